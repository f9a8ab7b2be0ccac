import Table from 'cli-table3';
import { resolveStrategy } from '../../engine/resolve-strategy.js';
import type { Item, ResolvedStrategy } from '../../engine/types.js';
import { autoReplyFormat } from '../../parse/reply-format-rule.js';
import { forecastPlanCache, type PlanCache, renderPlanCache } from '../../plan/cache-forecast.js';
import { type CountedPlan, countPlan, type PlanFigures } from '../../plan/count-plan.js';
import { batchPriceOf, costUsd, loadPrices, type ModelPrice, priceOf } from '../../plan/price-table.js';
import { sampleWhileReading, simulateExpected } from '../../plan/simulate-expected.js';
import { type OutputFormat, renderBatch } from '../../prompt/render-batch.js';
import { parseModelUri } from '../../providers/model-uri.js';
import { isSimProfileName, type SimProfileName } from '../../sim/profiles.js';
import { InputError } from '../../spec/errors.js';
import { loadTask } from '../../task/load-task.js';
import type { Task } from '../../task/task-schema.js';
import { mappingFromCli, strategyFromCli } from '../command-flags.js';
import type { CommandValues } from '../command-options.js';
import { exitCodes } from '../exit-codes.js';
import { tableStyle } from '../plain-output.js';

interface PlanCliValues extends CommandValues {
  model: string;
  simulateSample: number;
}

export interface PlanLine extends PlanFigures {
  costUsd: number | null;
}

export interface PlanJson {
  model: string;
  task: string;
  items: number;
  invalid: number;
  strategy: ResolvedStrategy;
  price: ModelPrice | null;
  /** Priced at the provider's batch rate (`--batch-api`). */
  batchApi: boolean;
  single: PlanLine;
  worstCase: PlanLine;
  /**
   * With early stopping and re-asks as the simulated model behaves; absent without SEAS or
   * adaptive. For the adaptive rule, also the batch size it chose and what its pilot decided.
   */
  expected: (PlanLine & { basis: string; finalBatchSize?: number; decision?: string }) | null;
  /**
   * The adaptive rule's forecast beside the chosen strategy: a simulated run of its pilot and
   * decisions on the sample, scaled; absent when the chosen strategy is adaptive (see `expected`).
   */
  adaptive: (PlanLine & { basis: string; finalBatchSize: number; decision: string }) | null;
  /** BPE+SEAS's forecast beside the adaptive rule, when that is the chosen strategy; else absent. */
  bpeSeas: (PlanLine & { basis: string }) | null;
  /** Output tokens and their dollars in each reply format, lines and JSON, the chosen one marked. */
  formats: PlanFormat[];
  /** Why the chosen format: `as given`, or what `auto` read off the model. */
  formatChoice: string;
  largestItemTokens: number;
  /**
   * What the provider's prompt cache would save: whether the shared prefix reaches the model's
   * minimum (with its source), and each line's dollars with and without cache hits. Null for a
   * provider with no prompt cache batchprompt knows of.
   */
  promptCache: PlanCache | null;
}

export interface PlanOutput {
  outputTokens: number;
  /** The dollars of these output tokens alone, at the output rate. */
  outputCostUsd: number | null;
}

export interface PlanFormat {
  format: OutputFormat;
  /** The format a run would take: `--format`, or what `auto` takes for this model. */
  chosen: boolean;
  single: PlanOutput;
  worstCase: PlanOutput;
  /** The chosen strategy's simulated run, answered in this format; absent without early stopping. */
  expected: PlanOutput | null;
}

function priced(figures: PlanFigures, price: ModelPrice | undefined): PlanLine {
  return { ...figures, costUsd: costUsd(price, figures.inputTokens, figures.outputTokens) ?? null };
}

/**
 * The output side of the plan in each reply format. The counts are exact for the replies asked
 * for; the expected figures run the chosen strategy on the simulator once more in the format it
 * did not take, since re-asks and early stopping differ by format.
 */
async function planFormats(
  task: Task,
  sample: Item[],
  counted: CountedPlan,
  strategy: ResolvedStrategy,
  profile: SimProfileName,
  price: ModelPrice | undefined,
  expected: PlanFigures | null,
): Promise<PlanFormat[]> {
  const output = (tokens: number): PlanOutput => ({
    outputTokens: tokens,
    outputCostUsd: costUsd(price, 0, tokens) ?? null,
  });
  const formats: PlanFormat[] = [];
  for (const format of ['lines', 'json'] as const) {
    const chosen = format === strategy.format;
    let simulated: number | undefined;
    if (expected !== null) {
      simulated = chosen
        ? expected.outputTokens
        : (await simulateExpected(task, sample, counted.items, { ...strategy, format }, profile)).figures
            .outputTokens;
    }
    formats.push({
      format,
      chosen,
      single: output(counted.outputTokensByFormat[format].single),
      worstCase: output(counted.outputTokensByFormat[format].worstCase),
      expected: simulated === undefined ? null : output(simulated),
    });
  }
  return formats;
}

export async function planCommand(values: PlanCliValues): Promise<PlanJson> {
  const task = loadTask(values.task, { reasoning: values.reasoning === true });
  const uri = parseModelUri(values.model);
  // Every provider of the table takes JSON schemas (a local model through its grammar).
  const formatModel = { id: uri.uri, supportsJsonSchema: true };
  const strategyOptions = strategyFromCli(values);
  const strategy = resolveStrategy(strategyOptions, formatModel);
  const formatChoice =
    (strategyOptions.format ?? 'auto') === 'auto'
      ? `auto: ${autoReplyFormat(formatModel).reason}; a run switches to json when its line replies keep failing`
      : 'as given';
  const source = {
    file: values.data,
    task,
    maxItemTokens: strategy.maxBatchTokens,
    ...mappingFromCli(values),
  };
  const { items, sample, invalid } = sampleWhileReading(source, values.simulateSample, strategy.seed);
  const counted = await countPlan(task, items, strategy);
  const prices = loadPrices(values.prices);
  const modelId = uri.provider === 'sim' ? `sim:${uri.model || 'gpt-4'}` : uri.uri;
  const listPrice = priceOf(prices, modelId);
  const price = values.batchApi ? batchPriceOf(listPrice, modelId) : listPrice;
  let expected: PlanJson['expected'] = null;
  let adaptive: PlanJson['adaptive'] = null;
  const profileName = uri.provider === 'sim' ? uri.model || 'gpt-4' : 'gpt-4';
  if (!isSimProfileName(profileName))
    throw new InputError(`unknown simulated profile \`${profileName}\``, { field: 'model' });
  if (strategy.earlyStop !== 'none' && counted.items > 0) {
    const simulated = await simulateExpected(task, sample, counted.items, strategy, profileName);
    expected = {
      ...priced(simulated.figures, price),
      basis: simulated.basis,
      ...(strategy.strategy === 'adaptive'
        ? { finalBatchSize: simulated.finalBatchSize, decision: simulated.decision }
        : {}),
    };
  }
  let bpeSeas: PlanJson['bpeSeas'] = null;
  if (strategy.strategy === 'adaptive' && counted.items > 0) {
    const seasStrategy = resolveStrategy(
      { ...strategyFromCli(values), strategy: 'bpe+seas', earlyStop: 'seas' },
      formatModel,
    );
    const simulated = await simulateExpected(task, sample, counted.items, seasStrategy, profileName);
    bpeSeas = { ...priced(simulated.figures, price), basis: simulated.basis };
  }
  if (strategy.strategy !== 'adaptive' && strategy.strategy !== 'single' && counted.items > 0) {
    const adaptiveStrategy = resolveStrategy(
      { ...strategyFromCli(values), strategy: 'adaptive' },
      formatModel,
    );
    const simulated = await simulateExpected(task, sample, counted.items, adaptiveStrategy, profileName);
    adaptive = {
      ...priced(simulated.figures, price),
      basis: simulated.basis,
      finalBatchSize: simulated.finalBatchSize,
      decision: simulated.decision,
    };
  }
  const formats = await planFormats(task, sample, counted, strategy, profileName, price, expected);
  const roundOneCalls = Math.ceil(counted.items / Math.max(1, strategy.batchSize));
  const promptCache =
    sample[0] === undefined
      ? undefined
      : forecastPlanCache({
          modelId,
          messages: renderBatch(task, [sample[0]], {
            format: strategy.format,
            tag: 'abcd',
            includeExamples: strategy.examples !== 'none',
          }).messages,
          price: listPrice,
          tier: price,
          examples: strategy.examples,
          lines: {
            SinglePrompt: { ...counted.single, roundOneCalls: counted.single.calls },
            'worst case': { ...counted.worstCase, roundOneCalls },
            expected: expected === null ? null : { ...expected, roundOneCalls },
          },
        });
  return {
    model: modelId,
    task: task.name,
    items: counted.items,
    invalid: invalid(),
    strategy,
    price: price ?? null,
    batchApi: values.batchApi === true,
    single: priced(counted.single, price),
    worstCase: priced(counted.worstCase, price),
    expected,
    adaptive,
    bpeSeas,
    formats,
    formatChoice,
    largestItemTokens: counted.largestItem.tokens,
    promptCache: promptCache ?? null,
  };
}

function percent(part: number, whole: number): string {
  return whole === 0 ? '-' : `${((part / whole) * 100).toFixed(1)}%`;
}

export function renderPlan(plan: PlanJson): string {
  const table = new Table({
    ...tableStyle(),
    head: ['', 'calls', 'input tokens', 'output tokens', 'cost (USD)', 'tokens vs single'],
  });
  const singleTokens = plan.single.inputTokens + plan.single.outputTokens;
  const line = (name: string, figures: PlanLine) => [
    name,
    String(figures.calls),
    String(figures.inputTokens),
    String(figures.outputTokens),
    figures.costUsd === null ? '-' : figures.costUsd.toFixed(4),
    percent(figures.inputTokens + figures.outputTokens, singleTokens),
  ];
  const s = plan.strategy;
  table.push(line('SinglePrompt', plan.single));
  table.push(line(`${s.strategy} (batch ${s.batchSize}, ${s.rounds} rounds), worst case`, plan.worstCase));
  if (plan.bpeSeas) table.push(line('bpe+seas, expected (simulated)', plan.bpeSeas));
  if (plan.expected) {
    const grown =
      plan.expected.finalBatchSize === undefined
        ? ''
        : ` (batch ${s.batchSize} -> ${plan.expected.finalBatchSize})`;
    table.push(line(`${s.strategy}${grown}, expected (simulated)`, plan.expected));
  }
  if (plan.adaptive)
    table.push(
      line(
        `adaptive (batch ${s.batchSize} -> ${plan.adaptive.finalBatchSize}), expected (simulated)`,
        plan.adaptive,
      ),
    );
  const notes = [
    `${plan.items} items of task ${plan.task}${plan.invalid > 0 ? `, ${plan.invalid} invalid rows left out` : ''}; model ${plan.model}`,
    'tokens counted with the o200k tokenizer, every call in full (instructions and examples included)',
    plan.price
      ? `prices${plan.batchApi ? ' (batch API)' : ''}: $${plan.price.input}/$${plan.price.output} per 1M input/output tokens (${plan.price.source ?? 'price file'})`
      : 'no price known for this model: pass --prices file.json',
    ...(plan.expected ? [`expected: ${plan.expected.basis}; a real model's stopping rate may differ`] : []),
    ...(plan.expected?.decision
      ? [
          `adaptive: its pilot decided: ${plan.expected.decision}. A real model's pilot decides on the real model's answers.`,
        ]
      : []),
    ...(plan.adaptive
      ? [
          `adaptive: ${plan.adaptive.basis}; its pilot decided: ${plan.adaptive.decision}. A real model's pilot decides on the real model's answers.`,
        ]
      : []),
  ];
  const cache = plan.promptCache === null ? [] : renderPlanCache(plan.promptCache, plan.model);
  return `${table.toString()}\n${[...notes, ...cache].join('\n')}\n\n${renderFormats(plan)}`;
}

/** Output tokens and their dollars in each reply format. */
function renderFormats(plan: PlanJson): string {
  const withExpected = plan.formats.some((format) => format.expected !== null);
  const table = new Table({
    ...tableStyle(),
    head: [
      'replies',
      'output tokens: SinglePrompt',
      'worst case',
      ...(withExpected ? ['expected (simulated)'] : []),
      'per item',
      'output cost (USD)',
    ],
  });
  for (const format of plan.formats) {
    // The figures a run is most likely to see: the simulated run's where there is one.
    const likely = format.expected ?? format.worstCase;
    table.push([
      `${format.format}${format.chosen ? ' (chosen)' : ''}`,
      String(format.single.outputTokens),
      String(format.worstCase.outputTokens),
      ...(withExpected ? [String(format.expected?.outputTokens ?? '-')] : []),
      plan.items === 0 ? '-' : (likely.outputTokens / plan.items).toFixed(1),
      likely.outputCostUsd === null ? '-' : likely.outputCostUsd.toFixed(4),
    ]);
  }
  const basis = withExpected ? 'expected run' : 'worst case';
  return `${table.toString()}\noutput tokens by reply format, of the ${plan.strategy.strategy} run above; per item and output cost: its ${basis}. Replies in ${plan.strategy.format} (${plan.formatChoice}); choose with --format lines|json.`;
}

/** `batchprompt plan`: prints the plan, returns the exit code. */
export async function planAction(values: PlanCliValues): Promise<number> {
  const plan = await planCommand(values);
  process.stdout.write(`${values.json ? JSON.stringify(plan, null, 2) : renderPlan(plan)}\n`);
  return exitCodes.ok;
}
