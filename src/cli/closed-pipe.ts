const handledMark = Symbol.for('batchprompt.closedPipeHandled');

/**
 * Lets the reader of the command's output stop early. `batchprompt demo --json | head -1` closes
 * the pipe while the command still writes; the write's EPIPE, left unhandled, ended the command
 * with a stack trace and exit code 1, which here says that items went unanswered. The work is done
 * either way (results go to their file, not to standard output), so the output nobody reads is
 * dropped and the command ends with its own exit code. Any other error of the stream is thrown.
 */
export function dropOutputOfClosedPipe(stream: NodeJS.WriteStream): void {
  const marked = stream as NodeJS.WriteStream & { [handledMark]?: true };
  if (marked[handledMark]) return;
  marked[handledMark] = true;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}
