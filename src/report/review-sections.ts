import { escapeHtml } from './escape-html.js';
import type { RunDetailsInput } from './report-input.js';

type Scores = NonNullable<RunDetailsInput['scores']>;
type ReviewItem = NonNullable<RunDetailsInput['review']>[number];

interface DetailedRun {
  run: { name: string };
  details: RunDetailsInput;
}

function share(value: number | null): string {
  return value === null ? '-' : value.toFixed(3);
}

function cells(tag: 'td' | 'th', values: readonly (string | number)[]): string {
  return values.map((value) => `<${tag}>${escapeHtml(String(value))}</${tag}>`).join('');
}

/** One confusion matrix: kappa, macro F1 and accuracy, per-class figures and the matrix itself. */
export function scoresBlock(scores: Scores): string {
  const perClass = scores.perClass
    .map(
      (score) =>
        `<tr>${cells('td', [score.label, score.support, score.predicted, share(score.precision), share(score.recall), share(score.f1)])}</tr>`,
    )
    .join('');
  const matrixHead = `<tr>${cells('th', ['gold \\ answer', ...scores.matrix.labels, '(no answer)'])}</tr>`;
  const matrixRows = scores.matrix.labels
    .map((label, index) => {
      const counts = scores.matrix.counts[index] ?? [];
      const row = counts
        .map(
          (count, column) =>
            `<td${column === index ? ' class="diagonal"' : count > 0 ? ' class="off"' : ''}>${count}</td>`,
        )
        .join('');
      return `<tr><th>${escapeHtml(label)}</th>${row}</tr>`;
    })
    .join('');
  return `<p>Cohen's kappa <strong>${share(scores.kappa)}</strong>, macro F1 <strong>${share(scores.macroF1)}</strong>, accuracy <strong>${share(scores.accuracy)}</strong> over ${scores.items} labelled items.</p>
<table class="per-class"><thead><tr>${cells('th', ['gold label', 'items', 'answered as', 'precision', 'recall', 'F1'])}</tr></thead><tbody>${perClass}</tbody></table>
<p class="note">Confusion matrix: rows are the gold answer, columns the answer given.</p>
<table class="confusion"><thead>${matrixHead}</thead><tbody>${matrixRows}</tbody></table>`;
}

/** Per-class precision, recall and F1, Cohen's kappa and the confusion matrix of each run. */
export function scoresSection(detailed: readonly DetailedRun[], unavailable: string): string {
  const heading = '<h2>Scores by class</h2>';
  if (detailed.length === 0) return `<section id="scores">${heading}${unavailable}</section>`;
  const scored = detailed.filter(({ details }) => details.scores);
  if (scored.length === 0) {
    return `<section id="scores">${heading}<p class="unavailable">No scores by class: there were no gold labels, too many distinct answers for a matrix, or the file was written by a batchprompt older than these scores.</p></section>`;
  }
  const blocks = scored
    .map(
      ({ run, details }, index) =>
        `<details${index === scored.length - 1 ? ' open' : ''}><summary>${escapeHtml(run.name)}</summary>${scoresBlock(details.scores!)}</details>`,
    )
    .join('');
  return `<section id="scores">${heading}${blocks}</section>`;
}

function votesText(item: ReviewItem): string {
  return item.votes
    .map(
      (vote) =>
        `round ${vote.round}: ${vote.answer} (${vote.confident ? 'sure' : 'unsure'}), place ${vote.position + 1} of ${vote.batchSize}${vote.batch === undefined ? '' : ` in batch ${vote.batch}`}`,
    )
    .join('\n');
}

function reviewRow(runName: string, item: ReviewItem): string {
  const kind = [item.wrong ? 'wrong' : undefined, item.uncertain ? 'uncertain' : undefined]
    .filter((part) => part !== undefined)
    .join(' ');
  const text = Object.entries(item.fields)
    .map(([name, value]) => `${name}: ${value}`)
    .join('\n');
  const answer = item.answer === null ? `(no answer: ${item.status})` : String(item.answer);
  return `<tr data-review data-kind="${escapeHtml(kind)}" data-run="${escapeHtml(runName)}">${cells('td', [
    runName,
    item.id,
    kind,
    item.gold === null ? '-' : String(item.gold),
    answer,
    item.confidence === null ? '-' : item.confidence.toFixed(2),
  ])}<td><pre>${escapeHtml(votesText(item))}</pre></td><td><pre>${escapeHtml(text)}${item.error === undefined ? '' : `\n\n${escapeHtml(item.error)}`}</pre></td></tr>`;
}

/**
 * The items a person should look at, wrong ones first, then uncertain ones, with their text, gold,
 * answer, votes and the batch each vote came from; the page's script filters them by kind, run
 * and text (also from the address: `#kind=wrong&q=refund`).
 */
export function reviewSection(detailed: readonly DetailedRun[], unavailable: string): string {
  const heading = '<h2>Items to review</h2>';
  if (detailed.length === 0) return `<section id="review">${heading}${unavailable}</section>`;
  const listed = detailed.filter(({ details }) => details.review !== undefined);
  if (listed.length === 0) {
    return `<section id="review">${heading}<p class="unavailable">No list of items: the file was written by a batchprompt older than this list.</p></section>`;
  }
  const counts = listed
    .map(({ run, details }) => {
      const total = details.reviewCounts;
      const shown = details.review!.length;
      return `${escapeHtml(run.name)}: ${total?.wrong ?? 0} wrong, ${total?.uncertain ?? 0} more uncertain (${shown} listed)`;
    })
    .join('; ');
  const rows = listed
    .flatMap(({ run, details }) => details.review!.map((item) => reviewRow(run.name, item)))
    .join('');
  const runOptions = listed
    .map(({ run }) => `<option value="${escapeHtml(run.name)}">${escapeHtml(run.name)}</option>`)
    .join('');
  const controls = `<div class="filters"><label>show <select id="review-kind"><option value="">wrong and uncertain</option><option value="wrong">wrong</option><option value="uncertain">uncertain</option></select></label> <label>run <select id="review-run"><option value="">all</option>${runOptions}</select></label> <label>text <input id="review-search" type="search" placeholder="id, label or text"></label> <span id="review-shown"></span></div>`;
  return `<section id="review">${heading}<p>Wrong: a gold answer that the answer does not match. Uncertain: no answer, less than three quarters of the vote, or no sure vote. ${counts}.</p>${controls}<table class="review"><thead><tr>${cells('th', ['run', 'id', 'kind', 'gold', 'answer', 'confidence', 'votes', 'text'])}</tr></thead><tbody>${rows}</tbody></table></section>`;
}
