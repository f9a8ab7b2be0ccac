import { describe, expect, it } from 'vitest';
import { countMessageTokens, countTokens } from './count-tokens.js';

describe('countTokens', () => {
  it('counts special-token text such as <|endoftext|> as the characters it is, as a provider bills it', () => {
    const plain = countTokens('before <|endoftext|> after');
    // Read as plain characters the marker is several tokens; as a special token it would be one.
    expect(plain).toBeGreaterThan(countTokens('before  after') + 1);
    expect(countTokens('<|im_start|>')).toBeGreaterThan(1);
    expect(countMessageTokens([{ role: 'user', content: 'x <|endoftext|> y' }])).toBeGreaterThan(3 + 3 + 1);
  });
});
