import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';
import type { ComparisonInput } from './report-input.js';
import { unsettledHeading } from './unsettled-section.js';

const item = (id: string) => ({ id, answer: 'yes', confidence: 0.5, margin: 0, votes: { yes: 1, no: 1 } });

describe('the unsettled items of a report', () => {
  it('says how many are listed only when some are, and where to get them when none are', () => {
    expect(
      unsettledHeading({ name: 'bpe', unsettled: 3, review: [item('a'), item('b'), item('c')] }, 'run'),
    ).toBe('bpe: 3 unsettled');
    expect(unsettledHeading({ name: 'bpe', unsettled: 900, review: [item('a'), item('b')] }, 'run')).toBe(
      'bpe: 900 unsettled, the first 2 listed below',
    );
    expect(unsettledHeading({ name: 'bpe', unsettled: 0, review: [] }, 'run')).toBe('bpe: 0 unsettled');
    expect(unsettledHeading({ name: 'run', unsettled: 5, review: [] }, 'run')).toMatch(
      /^run: 5 unsettled, not listed here \(.*--review-out FILE/,
    );
  });

  it('does not promise a list in a comparison, which counts them only, and names the command that lists them', () => {
    const strategy = {
      batchSize: 8,
      rounds: 3,
      voting: 'weighted',
      accuracy: 0.8,
      calls: 4,
      inputTokens: 400,
      outputTokens: 40,
      answered: 30,
      failed: 0,
    };
    const data: ComparisonInput = {
      model: 'sim:gpt-4',
      simulated: true,
      task: 'rte',
      items: 30,
      strategies: [
        { name: 'bpe', ...strategy, unsettled: 24 },
        { name: 'batch', ...strategy, unsettled: 0 },
      ],
    };
    const html = renderReport({ kind: 'comparison', data });
    const section = html.slice(html.indexOf('<section id="unsettled">'));
    expect(section).not.toMatch(/the first 0/);
    expect(section).toContain(
      '<h3>bpe: 24 unsettled, not listed here (a comparison counts them without listing them; <code>eval --strategy bpe --review-out FILE</code>',
    );
    expect(section).toContain('<h3>batch: 0 unsettled</h3>');
  });
});
