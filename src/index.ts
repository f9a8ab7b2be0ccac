// The public API of batchprompt, listed by name.
export { type BatchPromptStream, batchPrompt, streamBatchPrompt } from './engine/batch-prompt.js';
export type { OutputResult } from './engine/output-votes.js';
export { resolveStrategy, settleFormat } from './engine/resolve-strategy.js';
export type { StreamSummary } from './engine/run-context.js';
export type {
  AdaptiveOptions,
  AdaptiveSummary,
  BatchPromptOptions,
  CallRecord,
  Item,
  ItemResult,
  ItemStatus,
  Progress,
  ResolvedStrategy,
  RoundSummary,
  RunSummary,
  StrategyName,
  StrategyOptions,
} from './engine/types.js';
export {
  decideVote,
  seasShouldStop,
  type Vote,
  type VoteOutcome,
  type Voting,
  voteWeight,
} from './engine/vote.js';
export { type CompareStrategiesOptions, compareStrategies, type StrategyComparison } from './eval/compare.js';
export { createResultsWriter, type ResultRow, readRecords } from './io/index.js';
export { fromLanguageModel } from './models/ai-sdk-model.js';
export { type Answer, normalizeAnswer } from './parse/normalize-answer.js';
export { type ParsedReply, parseReply } from './parse/parse-reply.js';
export { type CountedPlan, countPlan, type PlanFigures } from './plan/count-plan.js';
export { costUsd, defaultPrices, loadPrices, type ModelPrice, priceOf } from './plan/price-table.js';
export { type ExpectedRun, sampleWhileReading, simulateExpected } from './plan/simulate-expected.js';
export type { SpendingCapState } from './plan/spending-cap.js';
export {
  type BatchEntry,
  type OutputFormat,
  type RenderedBatch,
  renderBatch,
} from './prompt/render-batch.js';
export { type CreateModelOptions, createModel } from './providers/create-model.js';
export type {
  ResolvedSchedulerOptions,
  SchedulerEvent,
  SchedulerOptions,
} from './runtime/resolve-scheduler-options.js';
export { scheduleModel } from './runtime/schedule-model.js';
export { createScheduler, type Scheduler, type SchedulerStats } from './runtime/scheduler.js';
export {
  openRunSession,
  type RunSession,
  type RunSessionOptions,
  type SessionStackOptions,
} from './session/open-run-session.js';
export type { PipelineOutcome, PipelineSinks, SourceRow } from './session/run-pipeline.js';
export { RunStop, type RunStopReason } from './session/run-stop.js';
export {
  type SelectedSource,
  type SelectSourceInput,
  type SelectSourceOptions,
  selectSource,
} from './session/select-source.js';
export { createSimModel, type SimModel, type SimModelOptions } from './sim/create-sim-model.js';
export { createItemCatalog, type ItemCatalog, type KnownItem } from './sim/item-catalog.js';
export { type SimServer, type SimServerOptions, startSimServer } from './sim/serve.js';
export { type LoadItemsOptions, loadItems } from './source/load-items.js';
export type { DataSourceOptions, InvalidRow } from './source/read-source.js';
export type {
  ChatMessage,
  ChatModel,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  ResponseFormat,
  Usage,
} from './spec/chat-model.js';
export { countMessageTokens, countTokens } from './spec/count-tokens.js';
export {
  AbortError,
  ApiCallError,
  BatchPromptError,
  BreakerError,
  InputError,
  isAbortError,
  LockError,
  ParseError,
  RetryError,
  type RetryErrorReason,
  StoreError,
} from './spec/errors.js';
export { type ChatModelMiddleware, wrapChatModel } from './spec/wrap-chat-model.js';
export {
  type BatchApiOptions,
  createModelStack,
  type ModelStack,
  type ModelStackEvent,
  type ModelStackOptions,
  type QueueOptions,
} from './stack/create-model-stack.js';
export type { ServiceTierMode } from './stack/next-tier-step.js';
export { type StackLayerName, stackLayerOrder } from './stack/stack-layers.js';
export { cachedModel } from './store/cached-model.js';
export { openStore, type Store, type StoreOptions } from './store/open-store.js';
export { boolqTask, builtinTasks, qqpTask, rteTask } from './task/builtin-tasks.js';
export { defineTask } from './task/define-task.js';
export { loadTask } from './task/load-task.js';
export type { Task, TaskInput } from './task/task-schema.js';
