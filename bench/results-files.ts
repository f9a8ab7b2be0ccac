import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { BenchRow, PromptSettings } from './measure-runs.js';
import { repositoryRoot } from './paper-data.js';

/** Measured figures live in these files; BENCHMARKS.md is rendered from them and from nothing else. */
export const resultsDirectory = resolve(repositoryRoot, 'bench/results');
export const resultsPath = (kind: 'full' | 'quick') => resolve(resultsDirectory, `${kind}.json`);
export const promptCostsPath = resolve(resultsDirectory, 'prompt-costs.json');
export const engineOverheadPath = resolve(resultsDirectory, 'engine-overhead.json');
export const adaptiveSeedsPath = resolve(resultsDirectory, 'adaptive-seeds.json');

/** `npm run bench -- --adaptive-seeds N`: single, BPE+SEAS and adaptive per task, profile and seed. */
export interface AdaptiveSeedsFile {
  command: string;
  seeds: number[];
  rows: BenchRow[];
}

export interface BenchResults {
  kind: 'full' | 'quick';
  meta: {
    command: string;
    dataDirectory: string;
    boolqSampleSeed: number;
    runSeed: number;
    prompt: PromptSettings;
    tokenizer: string;
    note: string;
    selections: Record<string, string>;
    /** Where the tokens of a call go, per task, with the benchmark's prompt. */
    anatomy: Record<string, PromptAnatomy>;
  };
  rows: BenchRow[];
}

/** Tokens of a call that are not its items' (system message, examples, chat framing). */
export interface PromptAnatomy {
  /** An item as a batch shows it (header and fields), mean over the task's items. */
  meanItemTokens?: number;
  /** A batched call of round 1. */
  fixedRound1: number;
  /** A batched call of a later round. */
  fixedLaterRounds: number;
  /** A SinglePrompt call. */
  singleFixed: number;
}

/** SinglePrompt (seed 0) and the headline BPE+SEAS run of one task (one row per seed), one prompt. */
export interface PromptCostTask {
  single: BenchRow;
  seas: BenchRow[];
  anatomy: PromptAnatomy;
}

export interface PromptCostRow {
  /** What the prompt looked like: the change this row measures. */
  label: string;
  /** The code that was measured: a commit, or a commit plus the working tree of that step. */
  code: string;
  /** The command that produced the row. */
  command: string;
  prompt: PromptSettings;
  tasks: Record<string, PromptCostTask>;
}

export interface PromptCostsFile {
  rows: PromptCostRow[];
}

export interface EngineOverheadRow {
  items: number;
  seconds: number;
  itemsPerSecond: number;
  /** Peak resident set size of the child process that ran this size alone, in MiB. */
  peakRssMiB: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export interface EngineOverheadFile {
  command: string;
  node: string;
  platform: string;
  cpu: string;
  setting: string;
  rows: EngineOverheadRow[];
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

export const readResults = (kind: 'full' | 'quick') => readJson<BenchResults>(resultsPath(kind));
export const readPromptCosts = () => readJson<PromptCostsFile>(promptCostsPath);
export const readEngineOverhead = () => readJson<EngineOverheadFile>(engineOverheadPath);
export const readAdaptiveSeeds = () => readJson<AdaptiveSeedsFile>(adaptiveSeedsPath);
