/**
 * The figures of the BatchPrompt paper (shared PAPER.md) that the simulator is calibrated to.
 * Accuracy in percent; majority vote over rounds 1, 3, 5, 7 and 9.
 */

export type PaperTask = 'boolq' | 'rte' | 'qqp';

export const paperVotingRounds = [1, 3, 5, 7, 9] as const;

export interface PublishedGrid {
  single: number;
  /** Accuracy by batch size, one value per entry of `paperVotingRounds`. */
  byBatchSize: Readonly<Record<number, readonly number[]>>;
}

export const publishedMajorityGrids: Readonly<
  Record<'gpt-4' | 'gpt-3.5', Readonly<Record<PaperTask, PublishedGrid>>>
> = {
  'gpt-4': {
    boolq: {
      single: 90.6,
      byBatchSize: {
        16: [89.1, 89.4, 89.1, 89.4, 89.7],
        32: [87.8, 89.7, 90.6, 90.6, 90.9],
        64: [72.8, 76.8, 82.8, 85.3, 86.3],
      },
    },
    rte: {
      single: 91.4,
      byBatchSize: {
        16: [90.3, 92.9, 92.6, 91.8, 91.5],
        32: [88.9, 88.1, 88.9, 90.3, 90.0],
        64: [80.7, 85.5, 87.7, 88.5, 88.1],
      },
    },
    qqp: {
      single: 87.2,
      byBatchSize: {
        16: [87.2, 87.5, 87.8, 87.8, 87.8],
        32: [86.6, 87.2, 87.5, 86.6, 87.2],
        64: [84.7, 86.6, 85.0, 84.7, 85.0],
      },
    },
  },
  'gpt-3.5': {
    boolq: { single: 86.8, byBatchSize: { 32: [70.0, 75.9, 77.2, 81.0, 77.8] } },
    rte: { single: 84.4, byBatchSize: { 32: [71.8, 70.3, 72.5, 72.1, 71.8] } },
    qqp: { single: 80.3, byBatchSize: { 32: [69.7, 74.7, 77.5, 78.1, 76.6] } },
  },
};

/** BPE + SEAS by round, GPT-4: accuracy in percent at rounds 1, 3, 5 and 9. */
export const publishedSeasAccuracy: Readonly<Record<PaperTask, Readonly<Record<number, readonly number[]>>>> =
  {
    boolq: { 32: [88.1, 90.3, 90.9, 90.9], 64: [74.4, 87.8, 88.8, 89.1] },
    qqp: { 32: [88.1, 88.4, 88.4, 88.4], 160: [85.3, 86.3, 86.6, 87.5] },
    rte: { 32: [88.1, 90.3, 91.1, 90.7], 160: [71.8, 76.6, 77.0, 76.6] },
  };

export const paperSeasRounds = [1, 3, 5, 9] as const;

/**
 * GSM8K, GPT-4, 2 worked examples, no SEAS (PAPER, appendix; 1,280 of the 1,319 test problems):
 * accuracy in percent of SinglePrompt and of batch size 32 after 1 and 5 voting rounds.
 */
export const publishedGsm8k = { single: 94.9, batch32: [89.1, 92.0] } as const;
