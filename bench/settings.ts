import type { PromptSettings } from './measure-runs.js';

/** The prompt of every table but the prompt-overhead one: line replies, examples in round 1 only. */
export const benchPrompt: PromptSettings = { format: 'lines', examples: 'first-round' };

/** Seed of the engine's shuffles and of the simulator's draws. */
export const runSeed = 0;

/** The paper's headline setting: GPT-4, batch size 32, BPE+SEAS; 5 rounds, self-weighted voting. */
export const headline = { profile: 'gpt-4', batchSize: 32, rounds: 5, voting: 'weighted' } as const;
