import { describe, expect, it } from 'vitest';
import { sharedDataFile } from './harness/repo-paths.js';

/*
 * The tests on real data (calibration, fingerprints, runs over all of RTE) skip where the data
 * sets are not beside the checkout, so that a clone without them still runs the rest. CI sets
 * BATCHPROMPT_REQUIRE_DATA=1, and there a missing file fails here instead of skipping them quietly.
 */

const required = process.env.BATCHPROMPT_REQUIRE_DATA === '1';
const files = ['rte.dev.jsonl', 'boolq.dev.jsonl', 'qqp.dev.jsonl', 'gsm8k.test.jsonl'];

describe.runIf(required)('the real data sets the tests read', () => {
  for (const name of files) {
    it(`finds ${name} (BATCHPROMPT_DATA_DIR or ../shared/data)`, () => {
      const { file, present } = sharedDataFile(name);
      expect(present, `${file} is missing`).toBe(true);
    });
  }
});
