// batchprompt/test: the test doubles batchprompt's own tests use, for tests of code built on it.
// Not part of the main entry point: nothing here belongs in a production bundle. (`temp-dir.ts` and
// `node-llama-cpp-available.ts` stay out: they need vitest, or import node-llama-cpp on load.)
export { answerEachItem, batchOfRequest } from './answer-each-item.js';
export { type BuildParquetOptions, buildParquetFile, type ParquetColumn } from './build-parquet-file.js';
export { collect } from './collect.js';
export { type EchoModel, echoModel } from './echo-model.js';
export {
  chatCompletion,
  type LoopbackHandler,
  type LoopbackServer,
  type RecordedRequest,
  sendJson,
  startLoopbackServer,
} from './loopback-server.js';
export { pinAnswerCount } from './pin-answer-count.js';
export { rejectionOf } from './rejection-of.js';
export {
  createScriptedModel,
  type ScriptedModel,
  type ScriptedModelOptions,
  type ScriptedReply,
} from './scripted-model.js';
export { buildTinyGguf, type TinyGgufInfo, type TinyGgufOptions, writeTinyGguf } from './write-tiny-gguf.js';
