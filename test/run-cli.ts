// The slow tests still import the runner from here until each moves onto test/harness/.
export { readJsonl, runCli } from './harness/run-cli.js';
