/**
 * Figures of the BatchPrompt paper (shared PAPER.md) that the benchmark tables print beside ours
 * and that `src/sim/published-figures.ts` does not already hold.
 */

/** Headline, GPT-4, batch 32, BPE+SEAS: accuracy % and tokens as a share of SinglePrompt, as the paper counts them. */
export const paperHeadline: Readonly<
  Record<string, { singleAccuracy: number; batchAccuracy: number; tokenShare: number }>
> = {
  boolq: { singleAccuracy: 90.6, batchAccuracy: 90.9, tokenShare: 27.4 },
  qqp: { singleAccuracy: 87.2, batchAccuracy: 88.4, tokenShare: 18.6 },
  rte: { singleAccuracy: 91.5, batchAccuracy: 91.1, tokenShare: 30.8 },
};

/** LLM calls of the headline setting as a share of SinglePrompt, %. */
export const paperHeadlineCallShare = 15.7;

/** BPE+SEAS, GPT-4: input tokens as the public code counts them, after rounds 1, 3, 5 and 9; and SinglePrompt's. */
export const paperSeasInputTokens: Readonly<
  Record<string, { byBatchSize: Readonly<Record<number, readonly number[]>>; single: number }>
> = {
  boolq: {
    byBatchSize: { 32: [56_346, 105_419, 107_957, 108_712], 64: [51_046, 113_933, 124_424, 126_337] },
    single: 384_946,
  },
  qqp: {
    byBatchSize: { 32: [17_641, 31_900, 33_170, 33_253], 160: [13_673, 27_987, 29_765, 30_396] },
    single: 171_401,
  },
  rte: {
    byBatchSize: { 32: [25_921, 47_807, 48_693, 49_070], 160: [21_833, 51_048, 56_633, 57_004] },
    single: 158_270,
  },
};
