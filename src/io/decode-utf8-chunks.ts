import { InputError } from '../spec/errors.js';

/**
 * Decodes a stream of bytes as UTF-8 text, chunk by chunk. Bytes that are not valid UTF-8 fail with
 * an InputError naming the file and the line, rather than turning into U+FFFD characters that would
 * reach the model as silent garbage. A leading byte order mark is dropped.
 */
export async function* decodeUtf8Chunks(
  chunks: AsyncIterable<Uint8Array>,
  file: string,
): AsyncGenerator<string> {
  // `stream: true` keeps the decoder from dropping a U+FEFF at the start of every chunk; we still
  // hand it whole characters only, so that on failure we know exactly which bytes it was given.
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let newlinesBefore = 0;
  let carry = new Uint8Array(0);
  for await (const chunk of chunks) {
    const bytes = carry.length === 0 ? chunk : concatBytes(carry, chunk);
    const completeLength = bytes.length - incompleteTailLength(bytes);
    const complete = bytes.subarray(0, completeLength);
    carry = bytes.slice(completeLength);
    let text: string;
    try {
      text = decoder.decode(complete, { stream: true });
    } catch (error) {
      throw invalidUtf8Error(complete, newlinesBefore, file, error);
    }
    newlinesBefore += countNewlines(text);
    if (text.length > 0) yield text;
  }
  if (carry.length > 0) {
    throw new InputError(
      `bytes are not valid UTF-8: the file ends inside a multi-byte character (0x${hex(carry)}); save the file as UTF-8`,
      { file, line: newlinesBefore + 1 },
    );
  }
}

function concatBytes(first: Uint8Array, second: Uint8Array): Uint8Array {
  const joined = new Uint8Array(first.length + second.length);
  joined.set(first, 0);
  joined.set(second, first.length);
  return joined;
}

/** How many bytes at the end of `bytes` start a character that the next chunk completes. */
function incompleteTailLength(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(4, bytes.length); back++) {
    const byte = bytes[bytes.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead byte
    const needed = sequenceLength(byte);
    return needed > back ? back : 0;
  }
  return 0;
}

/** The length of the UTF-8 sequence a lead byte starts, or 0 for a byte that cannot lead one. */
function sequenceLength(byte: number): number {
  if (byte < 0x80) return 1;
  if (byte >= 0xc2 && byte <= 0xdf) return 2;
  if (byte >= 0xe0 && byte <= 0xef) return 3;
  if (byte >= 0xf0 && byte <= 0xf4) return 4;
  return 0;
}

function countNewlines(text: string): number {
  let count = 0;
  for (let index = text.indexOf('\n'); index !== -1; index = text.indexOf('\n', index + 1)) count++;
  return count;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function invalidUtf8Error(
  bytes: Uint8Array,
  newlinesBefore: number,
  file: string,
  cause: unknown,
): InputError {
  const offset = firstInvalidOffset(bytes);
  let line = newlinesBefore + 1;
  for (let index = 0; index < offset; index++) if (bytes[index] === 0x0a) line++;
  const shown = offset < bytes.length ? ` (byte 0x${hex(bytes.subarray(offset, offset + 1))})` : '';
  return new InputError(`bytes are not valid UTF-8${shown}; save the file as UTF-8`, { file, line, cause });
}

/**
 * The offset of the first byte that breaks UTF-8 (RFC 3629: no overlong forms, no surrogates,
 * nothing above U+10FFFF). Only called once the decoder has failed, to say where.
 */
function firstInvalidOffset(bytes: Uint8Array): number {
  let index = 0;
  while (index < bytes.length) {
    const lead = bytes[index]!;
    const length = sequenceLength(lead);
    if (length === 0) return index;
    if (length === 1) {
      index++;
      continue;
    }
    // The second byte has a narrower range after E0, ED, F0 and F4 (overlongs, surrogates, > U+10FFFF).
    const second = bytes[index + 1];
    const secondLow = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80;
    const secondHigh = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf;
    if (second === undefined || second < secondLow || second > secondHigh) return index;
    for (let next = 2; next < length; next++) {
      const continuation = bytes[index + next];
      if (continuation === undefined || (continuation & 0xc0) !== 0x80) return index;
    }
    index += length;
  }
  return bytes.length;
}
