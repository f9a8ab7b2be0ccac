import { defineConfig } from 'vitest/config';

/**
 * The tests that take seconds to minutes each: they spawn the command line, kill it at chosen
 * points, fill disks, or answer 10^5 rows under a capped heap. `npm test` runs both projects;
 * `npm run test:fast` only the other one, for a quick check while editing.
 */
const slowTests = [
  'test/sim-run-memory.test.ts',
  'test/crash-resume.test.ts',
  'test/batch-crash-resume.test.ts',
  'test/input-validation.test.ts',
  'test/paid-requests.test.ts',
  'test/concurrent-runs.test.ts',
  'test/batch-api.test.ts',
  'test/http-faults.test.ts',
  'test/interrupt.test.ts',
  'test/secrets.test.ts',
  'test/store-pressure.test.ts',
  'test/queue-run.test.ts',
  'test/queue-faults.test.ts',
  'test/gemini-batch.test.ts',
];

export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    projects: [
      {
        extends: true,
        test: { name: 'fast', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], exclude: slowTests },
      },
      { extends: true, test: { name: 'slow', include: slowTests } },
    ],
  },
});
