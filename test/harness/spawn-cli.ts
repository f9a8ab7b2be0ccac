import { type ChildProcess, spawn } from 'node:child_process';
import { devCliArgs, repoRoot } from './repo-paths.js';

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** `Date.now()` at the exit, for bounds on how long a stop took. */
  at: number;
}

export interface CliProcess {
  child: ChildProcess;
  /** Standard output so far. */
  stdout(): string;
  /** Standard output, one entry a complete line, as it arrives. */
  lines: string[];
  /** Standard error so far. */
  stderr(): string;
  /** The exit, with all that was printed. */
  done: Promise<ProcessExit>;
}

/** Starts node with `args` in a process of its own, in the checkout's root, its output captured. */
export function spawnNode(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  let partLine = '';
  const lines: string[] = [];
  child.stdout?.on('data', (chunk) => {
    stdout += String(chunk);
    const parts = (partLine + String(chunk)).split('\n');
    partLine = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const done = new Promise<ProcessExit>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit({ code, signal, stdout, stderr, at: Date.now() }));
  });
  return { child, stdout: () => stdout, lines, stderr: () => stderr, done };
}

/** Starts the command line with `args` as a user runs it from the checkout (through tsx). */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  return spawnNode([...devCliArgs, ...args], env);
}

/** Stops a process still running (SIGKILL) and waits for its exit. */
export async function killProcess(running: CliProcess): Promise<ProcessExit> {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
  return running.done;
}
