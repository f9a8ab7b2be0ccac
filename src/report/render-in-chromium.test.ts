import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { compareStrategiesWithDetails } from '../eval/analyze-comparison.js';
import { createSimModel } from '../sim/create-sim-model.js';
import { loadItems } from '../source/load-items.js';
import { boolqTask } from '../task/builtin-tasks.js';
import { escapeHtml } from './escape-html.js';
import { renderReport } from './render-report.js';
import type { ComparisonInput } from './report-input.js';

/** Debian's chromium, installed in CI by scripts/ensure-chromium.sh. */
function findChromium(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], {
    encoding: 'utf8',
  });
  const path = found.stdout.trim().split('\n')[0];
  return found.status === 0 && path ? path : undefined;
}

const chromium = findChromium();
if (chromium === undefined) {
  console.log(
    'skipping the headless Chromium render test: chromium is not installed (scripts/ensure-chromium.sh installs it)',
  );
}

const directory = mkdtempSync(join(tmpdir(), 'batchprompt-report-'));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

interface RenderCheck {
  charts: {
    id: string;
    width: number;
    height: number;
    marks: number;
    drawnMarks: number;
    expectedMarks: number;
  }[];
  scripts: number;
  images: number;
  iframes: number;
  sections: string[];
  review: { rows: number; shown: number };
}

/**
 * Loads the page in headless Chromium and returns the DOM after its script ran, and the
 * browser's log (console messages, script errors and CSP refusals appear there as CONSOLE lines).
 * The network flags keep Chromium from reaching out: the machine's network is closed.
 */
async function dumpDom(browser: string, file: string, hash = ''): Promise<{ dom: string; log: string }> {
  // On a machine under heavy load headless Chromium now and then exits at once with an empty dump
  // (no DOM at all, not a page without its check); that says nothing about the page, so try again.
  for (let attempt = 1; ; attempt += 1) {
    const dumped = await dumpDomOnce(browser, file, hash);
    if (dumped.dom.trim() !== '' || attempt === 3) return dumped;
  }
}

function dumpDomOnce(browser: string, file: string, hash: string): Promise<{ dom: string; log: string }> {
  const profile = mkdtempSync(join(directory, 'profile-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--enable-logging=stderr',
    '--v=0',
    `--user-data-dir=${profile}`,
    '--dump-dom',
    `${pathToFileURL(file).href}${hash}`,
  ];
  return new Promise((resolve, reject) => {
    execFile(browser, args, { timeout: 20_000, maxBuffer: 32 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
      else resolve({ dom: stdout, log: stderr });
    });
  });
}

function renderCheckOf(dom: string): RenderCheck {
  const text = /<pre id="render-check"[^>]*>([\s\S]*?)<\/pre>/.exec(dom)?.[1];
  if (!text) throw new Error('the page wrote no render check: its script did not run');
  const unescaped = text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&amp;', '&');
  return JSON.parse(unescaped) as RenderCheck;
}

function consoleLines(log: string): string[] {
  return log.split('\n').filter((line) => line.includes(':CONSOLE'));
}

const demoFile = fileURLToPath(new URL('../../examples/demo/yes-no.jsonl', import.meta.url));

describe.skipIf(chromium === undefined)('the report in headless Chromium', () => {
  it('draws every chart with every point and bar, runs its script without errors, and lets no data become markup', async () => {
    const items = await loadItems(demoFile, boolqTask);
    const strategies = await compareStrategiesWithDetails({
      task: boolqTask,
      items,
      model: createSimModel({ task: boolqTask, items }),
      batchSize: 16,
      rounds: 4,
    });
    // Hostile text where item text and replies go: it must show as text, not run.
    const hostile =
      '<img src=x onerror="console.error(1)"><script>console.error(2)</script><iframe src="x"></iframe>';
    const first = strategies[0]!;
    first.details.sampleBatch!.messages.push({ role: 'user', content: hostile });
    first.details.sampleBatch!.reply = `</pre>${hostile}`;
    // An item to review carrying hostile text in its fields: it must show as text as well.
    const last = strategies.at(-1)!;
    const reviewed = last.details.review[0]!;
    reviewed.fields = { ...reviewed.fields, passage: `</pre></td>${hostile}` };
    const comparison: ComparisonInput = {
      model: 'sim:gpt-4',
      simulated: true,
      task: `boolq ${hostile}`,
      items: items.length,
      strategies,
    };
    const comparisonFile = join(directory, 'comparison.html');
    writeFileSync(comparisonFile, renderReport({ kind: 'comparison', data: comparison }));
    const runFile = join(directory, 'run.html');
    writeFileSync(
      runFile,
      renderReport({
        kind: 'run',
        data: {
          runId: 'r',
          model: 'sim:gpt-4',
          simulated: true,
          items: 5,
          answered: 5,
          unanswered: 0,
          failed: 0,
          invalid: 0,
          calls: 1,
          cacheHits: 0,
          inputTokens: 10,
          outputTokens: 2,
          estimatedCostUsd: null,
          wallMs: 5,
          totalCalls: 1,
          totalInputTokens: 10,
          totalOutputTokens: 2,
          resumed: false,
        },
      }),
    );
    const [comparisonPage, runPage] = await Promise.all([
      dumpDom(chromium!, comparisonFile),
      dumpDom(chromium!, runFile),
    ]);

    // The counts the charts must show, worked out from the data rather than from the page.
    const roundPoints = strategies.reduce(
      (total, row) => total + row.details.byRound.filter((round) => round.accuracy !== null).length,
      0,
    );
    const positionPoints = strategies
      .filter((row) => row.details.byPosition.length > 1)
      .reduce((total, row) => total + row.details.byPosition.filter((bucket) => bucket.votes > 0).length, 0);
    const confidenceBars = strategies.reduce(
      (total, row) =>
        total +
        (row.details.confidence.confident.votes > 0 ? 1 : 0) +
        (row.details.confidence.notConfident.votes > 0 ? 1 : 0),
      0,
    );
    // single and batch: one round each; bpe, bpe+seas and adaptive (whose pilot finds the gpt-4
    // profile order-dependent and goes on as bpe+seas does): four.
    expect(roundPoints).toBe(14);
    expect(positionPoints).toBeGreaterThanOrEqual(3 * 9);

    const check = renderCheckOf(comparisonPage.dom);
    expect(Object.fromEntries(check.charts.map((chart) => [chart.id, chart.marks]))).toEqual({
      'chart-accuracy-by-round': roundPoints,
      'chart-tokens-by-round': roundPoints,
      'chart-accuracy-by-position': positionPoints,
      'chart-confidence': confidenceBars,
    });
    for (const chart of check.charts) {
      expect(chart.width, chart.id).toBeGreaterThan(200);
      expect(chart.height, chart.id).toBeGreaterThan(100);
      expect(chart.drawnMarks, chart.id).toBe(chart.marks);
      expect(chart.expectedMarks, chart.id).toBe(chart.marks);
    }
    expect(check.sections).toEqual([
      'summary',
      'rounds',
      'position',
      'confidence',
      'scores',
      // The adaptive rule's pilot, since the comparison ran it.
      'adaptive',
      'review',
      'unsettled',
      'sample',
    ]);
    // Every kept item to review is a row of the page, worked out from the data.
    const reviewRows = strategies.reduce((total, row) => total + row.details.review.length, 0);
    const wrongRows = strategies.reduce(
      (total, row) => total + row.details.review.filter((item) => item.wrong).length,
      0,
    );
    expect(wrongRows).toBeGreaterThan(0);
    expect(wrongRows).toBeLessThan(reviewRows);
    expect(check.review).toEqual({ rows: reviewRows, shown: reviewRows });
    expect(comparisonPage.dom).toContain(`&lt;/pre&gt;&lt;/td&gt;&lt;img src=x`);
    expect({ scripts: check.scripts, images: check.images, iframes: check.iframes }).toEqual({
      scripts: 1,
      images: 0,
      iframes: 0,
    });
    expect(comparisonPage.dom).toContain('&lt;script&gt;console.error(2)&lt;/script&gt;');
    expect(consoleLines(comparisonPage.log)).toEqual([]);

    const runCheck = renderCheckOf(runPage.dom);
    expect(runCheck.charts).toEqual([]);
    expect(runCheck.sections).toHaveLength(7);
    expect(runCheck.review).toEqual({ rows: 0, shown: 0 });
    expect(runPage.dom.match(/this run summary has no <code>details<\/code>/g)).toHaveLength(6);
    expect(consoleLines(runPage.log)).toEqual([]);
    // Two pages in Chromium take seconds on an idle machine, far longer on a busy one.
  }, 120_000);

  it('lists the wrong and uncertain items, and filters them by kind, run and text from the address', async () => {
    const items = await loadItems(demoFile, boolqTask);
    const strategies = await compareStrategiesWithDetails({
      task: boolqTask,
      items,
      model: createSimModel({ task: boolqTask, items }),
      batchSize: 16,
      rounds: 4,
    });
    const comparisonFile = join(directory, 'review.html');
    writeFileSync(
      comparisonFile,
      renderReport({
        kind: 'comparison',
        data: { model: 'sim:gpt-4', simulated: true, task: 'boolq', items: items.length, strategies },
      }),
    );
    const reviewRows = strategies.reduce((total, row) => total + row.details.review.length, 0);
    const wrongRows = strategies.reduce(
      (total, row) => total + row.details.review.filter((item) => item.wrong).length,
      0,
    );
    const last = strategies.at(-1)!;
    const wrongOfLast = last.details.review.find((item) => item.wrong)!;
    // The page lists each wrong item with its text, gold and answer.
    const { dom } = await dumpDom(chromium!, comparisonFile, '#kind=wrong');
    expect(renderCheckOf(dom).review).toEqual({ rows: reviewRows, shown: wrongRows });
    expect(dom).toContain(`<td>${wrongOfLast.id}</td><td>wrong`);
    expect(dom).toContain(escapeHtml(Object.values(wrongOfLast.fields)[0]!.slice(0, 40)));
    const byText = renderCheckOf(
      (
        await dumpDom(
          chromium!,
          comparisonFile,
          `#kind=wrong&run=${encodeURIComponent(last.name)}&q=${wrongOfLast.id}`,
        )
      ).dom,
    );
    expect(byText.review.shown).toBeGreaterThanOrEqual(1);
    expect(byText.review.shown).toBeLessThan(wrongRows);
  }, 120_000);
});
