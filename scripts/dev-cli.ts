// Runs the command line from source: `npx tsx scripts/dev-cli.ts demo`.
import { main } from '../src/cli/main.js';

process.exitCode = await main(process.argv);
