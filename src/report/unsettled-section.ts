import { escapeHtml } from './escape-html.js';
import { htmlTable } from './html-table.js';
import type { ReviewItemInput } from './report-input.js';

/** What the unsettled section needs of a run: its count, and the items its input lists, if any. */
export interface UnsettledRun {
  name: string;
  unsettled?: number;
  review?: ReviewItemInput[];
}

/**
 * The heading of one run's unsettled items: how many there are, and how many of them are listed
 * below, or where to get them when the input counts them without listing them (a comparison keeps
 * only counts; `run --json` lists up to 500).
 */
export function unsettledHeading(run: UnsettledRun, kind: 'comparison' | 'eval' | 'run'): string {
  const listed = run.review?.length ?? 0;
  const total = run.unsettled ?? listed;
  const name = escapeHtml(run.name);
  if (total === 0 || listed === total) return `${name}: ${total} unsettled`;
  if (listed > 0) return `${name}: ${total} unsettled, the first ${listed} listed below`;
  const how =
    kind === 'comparison'
      ? `a comparison counts them without listing them; <code>eval --strategy ${name} --review-out FILE</code> on the same task and data writes them`
      : 'this summary counts them without listing them; <code>--review-out FILE</code> on the same command writes them';
  return `${name}: ${total} unsettled, not listed here (${how})`;
}

/** Items whose votes never settled, for a person to check. */
export function unsettledSection(runs: readonly UnsettledRun[], kind: 'comparison' | 'eval' | 'run'): string {
  const counted = runs.filter((run) => run.unsettled !== undefined || run.review !== undefined);
  if (counted.length === 0) return '';
  const blocks = counted.map((run) => {
    const listed = run.review ?? [];
    const rows = htmlTable(
      ['id', 'answer', 'confidence', 'margin', 'votes'],
      listed.map((item) => [
        item.id,
        item.answer === null ? '(none)' : String(item.answer),
        item.confidence === null ? '' : item.confidence.toFixed(3),
        item.margin.toFixed(3),
        Object.entries(item.votes)
          .map(([answer, weight]) => `${answer}: ${weight}`)
          .join(', '),
      ]),
    );
    return `<h3>${unsettledHeading(run, kind)}</h3>${listed.length > 0 ? rows : ''}`;
  });
  return `<section id="unsettled"><h2>Unsettled items</h2><p>An item is unsettled when the winning answer never got a sure vote, or when the vote is split (the winner leads by less than half of all vote weight). <code>run --review-out FILE</code> writes exactly these rows.</p>${blocks.join('')}</section>`;
}
