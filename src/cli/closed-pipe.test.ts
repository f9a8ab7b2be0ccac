import { describe, expect, it } from 'vitest';
import { spawnCli } from '../../test/harness/spawn-cli.js';
import { exitCodes } from './exit-codes.js';

describe('a reader that stops reading early', () => {
  // `batchprompt demo --json | head -1`: head reads a line and leaves, and the command's next
  // write finds the pipe closed. Here the reader leaves before the first write.
  it('ends the command with its own exit code, without a stack trace', async () => {
    const demo = spawnCli(['demo', '--json']);
    demo.child.stdout?.destroy();
    const { code, stderr } = await demo.done;
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toContain('Unhandled');
    expect(code).toBe(exitCodes.ok);
  });
});
