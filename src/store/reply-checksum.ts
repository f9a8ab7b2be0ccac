import { createHash } from 'node:crypto';

/** The stored columns of a cached reply that its checksum covers. */
export interface ChecksummedReply {
  key: string;
  text: string;
  input_tokens: number;
  output_tokens: number;
  cached_input_tokens: number | null;
  estimated: number | null;
  finish_reason: string;
}

/**
 * sha256 (hex) over a cached reply's key, text, usage and finish reason. The key is included so
 * that a reply moved under another key (a damaged index, a hand edit) fails too.
 */
export function replyChecksum(row: ChecksummedReply): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        row.key,
        row.text,
        row.input_tokens,
        row.output_tokens,
        row.cached_input_tokens,
        row.estimated,
        row.finish_reason,
      ]),
    )
    .digest('hex');
}
