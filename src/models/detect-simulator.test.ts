import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimServer } from '../sim/serve.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { isSimulatorEndpoint } from './detect-simulator.js';

describe('isSimulatorEndpoint', () => {
  let other: ReturnType<typeof createServer>;
  let otherUrl: string;

  beforeAll(async () => {
    other = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ object: 'list', data: [{ id: 'llama', owned_by: 'vllm' }] }));
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    otherUrl = `http://127.0.0.1:${(other.address() as AddressInfo).port}/v1`;
  });

  afterAll(() => {
    other.close();
  });

  it('recognises the simulator server, and nothing else', async () => {
    const server = await startSimServer({ task: boolqTask, items: [], quiet: true });
    try {
      expect(await isSimulatorEndpoint(server.url)).toBe(true);
    } finally {
      await server.close();
    }
    expect(await isSimulatorEndpoint(otherUrl)).toBe(false);
    // Nothing listens on port 9: no answer means "not the simulator".
    expect(await isSimulatorEndpoint('http://127.0.0.1:9/v1', { timeoutMs: 500 })).toBe(false);
  });
});
