import { afterAll, afterEach, beforeAll, beforeEach, vi } from 'vitest';

/**
 * Sets environment variables (`undefined` removes one) before each test of the calling file or
 * suite, or once before all of them, and gives every variable back its value afterwards.
 */
export function useEnvironment(
  values: Record<string, string | undefined>,
  scope: 'each' | 'all' = 'each',
): void {
  const stub = () => {
    for (const [name, value] of Object.entries(values)) vi.stubEnv(name, value);
  };
  if (scope === 'each') {
    beforeEach(stub);
    afterEach(() => vi.unstubAllEnvs());
  } else {
    beforeAll(stub);
    afterAll(() => vi.unstubAllEnvs());
  }
}
