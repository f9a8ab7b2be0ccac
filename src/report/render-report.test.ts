import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';
import type { ComparisonInput, ReportInput, RunDetailsInput, RunSummaryInput } from './report-input.js';

const hostile = {
  model: '<img src=x onerror=alert(1)>',
  task: '</title><script>alert(2)</script>',
  message: '<script>alert(3)</script> & "quotes"',
  reply: '</pre><iframe src="javascript:alert(4)"></iframe>',
  name: '"><svg onload=alert(5)>',
};

function details(sample: RunDetailsInput['sampleBatch']): RunDetailsInput {
  return {
    voting: 'weighted',
    scored: 4,
    byRound: [
      { round: 1, accuracy: 0.5, activeItems: 4, calls: 1, inputTokens: 100, outputTokens: 10, stopped: 0 },
      { round: 2, accuracy: 0.75, activeItems: 4, calls: 1, inputTokens: 100, outputTokens: 10, stopped: 2 },
    ],
    byPosition: [
      { bucket: 0, from: 0, to: 0.5, votes: 4, correct: 3 },
      { bucket: 1, from: 0.5, to: 1, votes: 4, correct: 2 },
    ],
    confidence: { confident: { votes: 6, correct: 5 }, notConfident: { votes: 2, correct: 0 } },
    sampleBatch: sample,
  };
}

function hostileComparison(): ReportInput {
  const data: ComparisonInput = {
    model: hostile.model,
    simulated: true,
    task: hostile.task,
    items: 4,
    strategies: [
      {
        name: hostile.name,
        batchSize: 2,
        rounds: 2,
        voting: 'weighted',
        accuracy: 0.75,
        calls: 2,
        inputTokens: 200,
        outputTokens: 20,
        answered: 4,
        failed: 0,
        details: details({
          messages: [
            { role: 'system', content: 'instruction' },
            { role: '<b>user</b>', content: hostile.message },
          ],
          reply: hostile.reply,
          finishReason: 'stop',
        }),
      },
    ],
  };
  return { kind: 'comparison', data };
}

const runSummary: RunSummaryInput = {
  runId: 'run-1',
  model: 'openai:gpt-4o-mini',
  simulated: false,
  items: 10,
  answered: 9,
  unanswered: 1,
  failed: 0,
  invalid: 0,
  calls: 1,
  cacheHits: 0,
  inputTokens: 500,
  outputTokens: 50,
  estimatedCostUsd: 0.0123,
  wallMs: 1200,
  totalCalls: 1,
  totalInputTokens: 500,
  totalOutputTokens: 50,
  accuracy: 0.9,
  resumed: false,
};

describe('renderReport', () => {
  it('escapes every piece of data: no element, attribute or script comes from the input', () => {
    const html = renderReport(hostileComparison());
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).not.toMatch(/<img|<iframe|<svg onload|<b>user/i);
    expect(html).toContain('&lt;script&gt;alert(3)&lt;/script&gt; &amp; &quot;quotes&quot;');
    expect(html).toContain('&lt;/pre&gt;&lt;iframe src=&quot;javascript:alert(4)&quot;&gt;');
    expect(html).toContain('&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;');
    // An unknown role is shown, escaped, and picks no style of its own.
    expect(html).toContain('class="message role-other"');
  });

  it('allows only its own script, by hash, in the Content-Security-Policy', () => {
    const html = renderReport(hostileComparison());
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    const hash = createHash('sha256').update(script).digest('base64');
    const policy = (
      /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? ''
    ).replaceAll('&#39;', "'");
    expect(policy).toContain(`script-src 'sha256-${hash}'`);
    expect(policy).toContain("default-src 'none'");
  });

  it('says prominently when the model is simulated, and not otherwise', () => {
    expect(renderReport(hostileComparison())).toContain('<strong>SIMULATED MODEL</strong>');
    expect(renderReport({ kind: 'run', data: runSummary })).not.toContain('SIMULATED MODEL');
    expect(renderReport({ kind: 'run', data: { ...runSummary, simulated: true } })).toContain(
      '<strong>SIMULATED MODEL</strong>',
    );
  });

  it('renders a run summary written before details existed as a summary only, saying why the rest is empty', () => {
    const html = renderReport({ kind: 'run', data: runSummary });
    expect(html).toContain('$0.0123');
    expect(html).toContain('90.0%');
    expect(html).not.toMatch(/<svg/);
    expect(html.match(/this run summary has no <code>details<\/code>/g)).toHaveLength(6);
  });

  it("shows the input tokens the provider's prompt cache read and wrote, where the summary has them", () => {
    const label = 'Input tokens read / written by the prompt cache (this invocation)';
    expect(renderReport({ kind: 'run', data: runSummary })).not.toContain(label);
    const html = renderReport({
      kind: 'run',
      data: { ...runSummary, cachedInputTokens: 320, cacheWriteTokens: 40 },
    });
    expect(html).toContain(`<dt>${label}</dt><dd>320 / 40</dd>`);
  });

  it('renders an eval run written before details existed, saying what is missing', () => {
    const html = renderReport({
      kind: 'eval',
      data: {
        model: 'sim:gpt-4',
        simulated: true,
        task: 'rte',
        strategy: { strategy: 'bpe', batchSize: 8, rounds: 3, voting: 'majority' },
        items: 5,
        answered: 5,
        unanswered: 0,
        failed: 0,
        calls: 3,
        inputTokens: 10,
        outputTokens: 5,
        accuracy: 0.8,
      },
    });
    expect(html).toContain('bpe (batch 8, 3 rounds, majority vote)');
    expect(html.match(/this file has no <code>details<\/code>/g)).toHaveLength(6);
  });

  it('marks each chart with the number of points or bars it draws', () => {
    const html = renderReport(hostileComparison());
    const expected = Object.fromEntries(
      [...html.matchAll(/data-chart="([^"]+)" data-expected-marks="(\d+)"/g)].map((match) => [
        match[1],
        Number(match[2]),
      ]),
    );
    // Two rounds; two position buckets with votes; confident and not-confident bars.
    expect(expected).toEqual({
      'chart-accuracy-by-round': 2,
      'chart-tokens-by-round': 2,
      'chart-accuracy-by-position': 2,
      'chart-confidence': 2,
    });
    expect(html.match(/<circle data-mark/g)).toHaveLength(6);
    expect(html.match(/<rect data-mark/g)).toHaveLength(2);
  });
});
