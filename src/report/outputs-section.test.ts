import { describe, expect, it } from 'vitest';
import { renderReport } from './render-report.js';
import { parseReportInput } from './report-input.js';

/*
 * The report of a task with outputs has a section per output, from what `eval --json` writes for
 * it (each strategy row's `outputs`), scored against that output's own gold; a task with one
 * answer has no such section.
 */

const topic = {
  output: 'topic',
  scored: 4,
  correct: 3,
  accuracy: 0.75,
  confusion: {
    matrix: {
      labels: ['billing', 'account'],
      counts: [
        [2, 0, 0],
        [1, 1, 0],
      ],
    },
    items: 4,
    accuracy: 0.75,
    perClass: [
      { label: 'billing', support: 2, predicted: 3, truePositives: 2, precision: 2 / 3, recall: 1, f1: 0.8 },
      { label: 'account', support: 2, predicted: 1, truePositives: 1, precision: 1, recall: 0.5, f1: 2 / 3 },
    ],
    macroF1: 0.733,
    kappa: 0.5,
  },
};
const mentions = {
  output: 'mentions',
  scored: 4,
  correct: 1,
  accuracy: 0.25,
  labels: [
    { label: 'fee', support: 3, predicted: 2, truePositives: 2, f1: 0.8 },
    { label: '<refund>', support: 1, predicted: 2, truePositives: 0, f1: 0 },
  ],
  jaccard: 0.625,
};

function evalJson(outputs: unknown[] | undefined): string {
  return JSON.stringify({
    model: 'sim:frontier',
    simulated: true,
    task: 'tickets',
    items: 4,
    strategies: [
      {
        name: 'adaptive',
        batchSize: 32,
        rounds: 5,
        voting: 'weighted',
        accuracy: 0.25,
        calls: 2,
        inputTokens: 900,
        outputTokens: 120,
        answered: 4,
        failed: 0,
        ...(outputs === undefined ? {} : { outputs }),
      },
    ],
  });
}

describe('the report of a task with outputs', () => {
  it('has a section per output: accuracy, kappa and the matrix of a one-answer output, F1 per label and Jaccard of a set', () => {
    const html = renderReport(parseReportInput(evalJson([topic, mentions]), 'eval.json'));
    const section = html.slice(html.indexOf('<section id="outputs">'), html.indexOf('<section id="scores">'));
    expect(section.length).toBeGreaterThan(0);
    expect(section).toContain('<h2>Scores by output</h2>');
    expect(section).toContain('rows with every output right 25.0%');
    const topicBlock = /<section class="output" id="output-topic">(.*?)<\/section>/s.exec(html)![1]!;
    expect(topicBlock).toContain('Accuracy <strong>75.0%</strong> (3 of 4');
    expect(topicBlock).toContain("Cohen's kappa <strong>0.500</strong>");
    expect(topicBlock).toContain('<table class="confusion">');
    const mentionsBlock = /<section class="output" id="output-mentions">(.*?)<\/section>/s.exec(html)![1]!;
    expect(mentionsBlock).toContain('Mean Jaccard index of answer and gold sets <strong>62.5%</strong>');
    expect(mentionsBlock).toContain('<td>fee</td><td>3</td><td>2</td><td>2</td><td>80.0%</td>');
    // Label names come from the user's task: escaped like every other text of the page.
    expect(mentionsBlock).toContain('&lt;refund&gt;');
    expect(mentionsBlock).not.toContain('<refund>');
  });

  it('has no section per output for a task with one answer', () => {
    const html = renderReport(parseReportInput(evalJson(undefined), 'eval.json'));
    expect(html).not.toContain('id="outputs"');
  });

  it('refuses output scores that are not scores, naming where', () => {
    expect(() => parseReportInput(evalJson([{ ...topic, accuracy: 7 }]), 'eval.json')).toThrow(
      /strategies\[0\]\.outputs\[0\]\.accuracy/,
    );
  });
});
