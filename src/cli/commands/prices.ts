import {
  loadPrices,
  type ModelPrice,
  priceOf,
  priceTiers,
  type TierCharge,
  tierPrice,
} from '../../plan/price-table.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandRegistrar } from '../main.js';
import { declareCommand } from './command-summaries.js';

interface PricesCliValues {
  prices?: string;
  json?: boolean;
}

/** A model's charges in each tier it is sold in, as `prices --json` prints them. */
export interface ModelCharges {
  model: string;
  tiers: TierCharge[];
  minCachedPrefix: ModelPrice['minCachedPrefix'] | null;
  source: string | null;
}

export function chargesOf(model: string, price: ModelPrice): ModelCharges {
  const tiers = priceTiers
    .map((tier) => tierPrice(price, tier, model))
    .filter((charge): charge is TierCharge => charge !== undefined);
  return { model, tiers, minCachedPrefix: price.minCachedPrefix ?? null, source: price.source ?? null };
}

/** A rate as the table gives it, never rounded ($0.125 stays $0.125), with at least cents. */
function dollars(rate: number | undefined, fallback: string): string {
  if (rate === undefined) return fallback;
  const decimals = String(rate).split('.')[1]?.length ?? 0;
  return `$${rate.toFixed(Math.min(6, Math.max(2, decimals)))}`;
}

function tierRow(model: string, charge: TierCharge): string[] {
  return [
    model,
    charge.tier,
    dollars(charge.input, '-'),
    // A tier without a cache rate charges cache reads and writes as input: say so, not a blank.
    dollars(charge.cachedInput, 'as input'),
    dollars(charge.cacheWrite, 'as input'),
    dollars(charge.output, '-'),
  ];
}

function alignedTable(rows: readonly string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd(),
  );
}

const header = ['model', 'tier', 'input', 'cache read', 'cache write', 'output'];

/** What a model is charged per million tokens in each tier, with where each figure came from. */
export function renderModelCharges(charges: ModelCharges): string[] {
  const sold = new Set(charges.tiers.map((charge) => charge.tier));
  const unsold = priceTiers.filter((tier) => !sold.has(tier));
  const minimum = charges.minCachedPrefix;
  return [
    `${charges.model}: US dollars per million tokens`,
    ...alignedTable([header, ...charges.tiers.map((charge) => tierRow(charges.model, charge))]),
    ...(unsold.length === 0
      ? []
      : [`no price for the ${unsold.join(' or ')} tier: no dollars are shown for it`]),
    minimum === null || minimum === undefined
      ? 'shortest cached prefix: no source gives it'
      : `shortest cached prefix: ${minimum.tokens.toLocaleString('en-US')} tokens (${minimum.source})`,
    `source: ${charges.source ?? 'price file'}`,
  ];
}

/** Every priced model, one row per tier it is sold in. */
export function renderAllCharges(all: readonly ModelCharges[]): string[] {
  return [
    'US dollars per million tokens ("as input": the tier has no rate of its own for cache reads or writes)',
    ...alignedTable([
      header,
      ...all.flatMap((charges) => charges.tiers.map((charge) => tierRow(charges.model, charge))),
    ]),
    'batchprompt prices <model> names the source and date of each figure.',
  ];
}

/**
 * The priced models a name given without its provider stands for (`gpt-4o-mini` for
 * `openai:gpt-4o-mini`); none for a name that has a provider.
 */
function pricedUnder(prices: Record<string, ModelPrice>, name: string): string[] {
  if (name.includes(':')) return [];
  return Object.keys(prices).filter((id) => id.slice(id.indexOf(':') + 1) === name);
}

export function pricesCommand(
  model: string | undefined,
  values: PricesCliValues,
  print: (text: string) => void,
  printError: (text: string) => void,
): number {
  const prices = loadPrices(values.prices);
  if (model === undefined) {
    const all = Object.entries(prices).map(([id, price]) => chargesOf(id, price));
    print(values.json ? JSON.stringify(all, null, 2) : renderAllCharges(all).join('\n'));
    return exitCodes.ok;
  }
  const price = priceOf(prices, model);
  const named = pricedUnder(prices, model.trim());
  if (price === undefined && named.length > 0) {
    printError(
      `no price known for ${model.trim()}: a model is named with its provider, as \`run --model\` takes it: ${named.join(', ')}`,
    );
    return exitCodes.input;
  }
  if (price === undefined) {
    printError(
      `no price known for ${model.trim()}: batchprompt shows no dollar figure for it rather than a guess. Pass --prices file.json with its rates ({"${model.trim()}": {"input": 1, "output": 2}}, US dollars per million tokens).`,
    );
    return exitCodes.input;
  }
  const charges = chargesOf(model.trim(), price);
  print(values.json ? JSON.stringify(charges, null, 2) : renderModelCharges(charges).join('\n'));
  return exitCodes.ok;
}

export const register: CommandRegistrar = (program, setExitCode) => {
  declareCommand(program, 'prices')
    .argument('[model]', 'a model URI, e.g. openai:gpt-4.1-mini (default: every priced model)')
    .option('--prices <file>', 'JSON price table overriding the built-in one')
    .option('--json', 'print JSON')
    .action((model: string | undefined, values: PricesCliValues) => {
      setExitCode(
        pricesCommand(
          model,
          values,
          (text) => process.stdout.write(`${text}\n`),
          (text) => process.stderr.write(`${text}\n`),
        ),
      );
    });
};
