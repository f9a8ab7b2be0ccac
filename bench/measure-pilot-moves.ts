/**
 * What the adaptive pilot sees and what its sequential test decides, on the simulator's three
 * profiles (answers are simulated; nothing here is a claim about a real model):
 * - how often a round-1 answer *moves* in round 2 (another label or another tag), by its round-1
 *   tag, on the two kinds of model: `frontier` (answers fixed per item, as a current LLM's) and
 *   the paper's `gpt-4` and `gpt-3.5` (slips and tags drawn per request). These are the rates the
 *   test's two hypotheses stand for (`stableChangeRate`, `orderDependentChangeRate`);
 * - the verdict the test reaches, with the default rates and with the rates given by
 *   `--compare-rates`, when the pilot asks SEAS's round-2 calls one at a time, the call with the
 *   most unsure round-1 answers first (as the pilot after round 1 does), and how many calls it
 *   asked before it decided. The right verdict is `stable` on `frontier` and `order-dependent` on
 *   the others.
 * Each case is one BPE run of two rounds (round 2 is the very calls SEAS and the pilot ask), so a
 * verdict here is the one an adaptive run with those rates reaches, at a fraction of its cost.
 * `--write` puts the section in BENCHMARKS.md.
 *
 *   npx tsx bench/measure-pilot-moves.ts [--seeds 20] [--compare-rates 0.04,0.25,0.12,0.75] [--json] [--write]
 */
import { parseArgs } from 'node:util';
import { decidePilot } from '../src/engine/adaptive-decision.js';
import { batchPrompt } from '../src/engine/batch-prompt.js';
import { resolveStrategy } from '../src/engine/resolve-strategy.js';
import { hashSeed, shuffled } from '../src/engine/seeded-random.js';
import type { AdaptiveOptions, ItemResult } from '../src/engine/types.js';
import type { Vote } from '../src/engine/vote.js';
import { createSimModel } from '../src/sim/create-sim-model.js';
import type { SimProfileName } from '../src/sim/profiles.js';
import { writeOwnedSection } from './owned-section.js';
import { loadPaperTask, paperTasks } from './paper-data.js';

const profiles: SimProfileName[] = ['frontier', 'gpt-4', 'gpt-3.5'];
/** The prompts the pilot meets: the benchmarks' (examples in round 1) and the library's defaults. */
const settings = [
  { batchSize: 32, examples: 'first-round' },
  { batchSize: 32, examples: 'every-call' },
  { batchSize: 16, examples: 'every-call' },
] as const;
type Setting = (typeof settings)[number];

/** One pilot answer: the item's votes of rounds 1 and 2. */
type PilotAnswer = { votes: readonly Vote[] };

interface Case {
  profile: SimProfileName;
  task: string;
  setting: Setting;
  seed: number;
  /** SEAS's round-2 calls, in the order the pilot asks them. */
  calls: PilotAnswer[][];
}

const roundVote = (result: ItemResult, round: number) => result.votes.find((vote) => vote.round === round);
const sureInRound1 = (answer: PilotAnswer) => answer.votes.find((vote) => vote.round === 1)?.confident;

/**
 * Round 2's calls of a two-round BPE run, most unsure round-1 answers first, ties by where their
 * first item falls in the round-2 shuffle (the engine's own, with the same seed), as the run
 * packed them.
 */
function pilotCalls(results: readonly ItemResult[], seed: number): PilotAnswer[][] {
  const byCode = new Map<string, PilotAnswer[]>();
  for (const result of shuffled(results, hashSeed(seed, 0, 2))) {
    const [first, second] = [roundVote(result, 1), roundVote(result, 2)];
    if (!first || !second) continue;
    const code = second.batch ?? '';
    byCode.set(code, [...(byCode.get(code) ?? []), { votes: [first, second] }]);
  }
  const unsureIn = (call: readonly PilotAnswer[]) =>
    call.filter((answer) => sureInRound1(answer) === false).length;
  return [...byCode.values()]
    .map((call, index) => ({ call, index }))
    .sort((a, b) => unsureIn(b.call) - unsureIn(a.call) || a.index - b.index)
    .map(({ call }) => call);
}

async function measureCases(seeds: readonly number[]): Promise<Case[]> {
  const cases: Case[] = [];
  for (const taskName of paperTasks) {
    const { task, items } = await loadPaperTask(taskName);
    for (const profile of profiles) {
      for (const setting of settings) {
        for (const seed of seeds) {
          const model = createSimModel({ profile, task, items, seed });
          const { results } = await batchPrompt({
            task,
            items,
            model,
            strategy: 'bpe',
            rounds: 2,
            voting: 'weighted',
            format: 'lines',
            ...setting,
            seed,
          });
          cases.push({ profile, task: taskName, setting, seed, calls: pilotCalls(results, seed) });
        }
      }
      process.stderr.write(`${taskName} sim:${profile}: done\n`);
    }
  }
  return cases;
}

/** Moves by round-1 tag over every round-2 answer of the given cases. */
function moveRates(cases: readonly Case[]) {
  const count = { sure: { items: 0, moved: 0 }, unsure: { items: 0, moved: 0 } };
  for (const answer of cases.flatMap((one) => one.calls.flat())) {
    const [first, second] = answer.votes as [Vote, Vote];
    const stratum = first.confident ? count.sure : count.unsure;
    stratum.items += 1;
    if (String(first.answer) !== String(second.answer) || first.confident !== second.confident)
      stratum.moved += 1;
  }
  return count;
}

/**
 * What the pilot decides on one case, and the calls it asked for it: `stable`, `order-dependent`,
 * or `undecided` once every call was asked (the run then goes on as SEAS, as on an
 * order-dependent model).
 */
function replayPilot(
  one: Case,
  adaptive: AdaptiveOptions,
): { verdict: string; stable: boolean; calls: number } {
  const strategy = resolveStrategy({
    strategy: 'adaptive',
    batchSize: one.setting.batchSize,
    rounds: 5,
    format: 'lines',
    adaptive,
  });
  for (let asked = 1; asked <= one.calls.length; asked += 1) {
    const pilot = one.calls.slice(0, asked).flat();
    const verdict = decidePilot({ pilot, complete: asked === one.calls.length }, strategy);
    if (verdict.decision !== undefined)
      return { verdict: verdict.test?.verdict ?? 'stable', stable: verdict.decision.stable, calls: asked };
  }
  return { verdict: 'undecided', stable: false, calls: one.calls.length };
}

const percent = (part: number, whole: number) => `${((part / Math.max(1, whole)) * 100).toFixed(1)}%`;
const settingName = (setting: Setting) => `${setting.batchSize} per call, examples ${setting.examples}`;

function rateTable(cases: readonly Case[]): string[] {
  const lines = [
    '| profile | task | sure answers moved | unsure answers moved | unsure share of round-1 answers |',
    '| --- | --- | ---: | ---: | ---: |',
  ];
  for (const profile of profiles) {
    for (const task of paperTasks) {
      const { sure, unsure } = moveRates(cases.filter((one) => one.profile === profile && one.task === task));
      lines.push(
        `| ${profile} | ${task} | ${percent(sure.moved, sure.items)} of ${sure.items} | ${percent(unsure.moved, unsure.items)} of ${unsure.items} | ${percent(unsure.items, sure.items + unsure.items)} |`,
      );
    }
  }
  return lines;
}

function verdictTable(cases: readonly Case[], rules: readonly { name: string; adaptive: AdaptiveOptions }[]) {
  const lines = [
    '| rates | prompt | profile | right verdicts | wrong (which seeds, task) | pilot calls, mean (most) |',
    '| --- | --- | --- | ---: | --- | --- |',
  ];
  const totals = rules.map(() => ({ right: 0, all: 0 }));
  rules.forEach((rule, ruleIndex) => {
    for (const setting of settings) {
      for (const profile of profiles) {
        const chosen = cases.filter((one) => one.setting === setting && one.profile === profile);
        const replayed = chosen.map((one) => ({ one, ...replayPilot(one, rule.adaptive) }));
        const wrong = replayed.filter(({ stable }) => stable !== (profile === 'frontier'));
        const calls = replayed.map(({ calls: asked }) => asked);
        totals[ruleIndex]!.right += replayed.length - wrong.length;
        totals[ruleIndex]!.all += replayed.length;
        lines.push(
          `| ${rule.name} | ${settingName(setting)} | ${profile} | ${replayed.length - wrong.length} of ${replayed.length} | ${wrong.map(({ one, verdict }) => `${one.task} ${one.seed}: ${verdict}`).join('; ') || '-'} | ${(calls.reduce((sum, asked) => sum + asked, 0) / Math.max(1, calls.length)).toFixed(2)} (${Math.max(...calls)}) |`,
        );
      }
    }
  });
  return { lines, totals };
}

function parseRates(text: string): AdaptiveOptions {
  const [stableSure, stableUnsure, orderSure, orderUnsure] = text.split(',').map(Number);
  if ([stableSure, stableUnsure, orderSure, orderUnsure].some((rate) => !(rate! > 0 && rate! < 1)))
    throw new Error(
      `--compare-rates: four shares (stable sure, stable unsure, order-dependent sure, unsure), got ${text}`,
    );
  return {
    stableChangeRate: { sure: stableSure!, unsure: stableUnsure! },
    orderDependentChangeRate: { sure: orderSure!, unsure: orderUnsure! },
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string', default: '20' },
      'compare-rates': { type: 'string', default: '0.04,0.25,0.12,0.75' },
      json: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
    },
  });
  const seeds = Array.from({ length: Number(values.seeds) }, (_, index) => index);
  const defaults = resolveStrategy({ strategy: 'adaptive' }).adaptive;
  const rules = [
    {
      name: `default (${defaults.stableChangeRate.sure}, ${defaults.stableChangeRate.unsure} / ${defaults.orderDependentChangeRate.sure}, ${defaults.orderDependentChangeRate.unsure})`,
      adaptive: {},
    },
    {
      name: `compared (${values['compare-rates'].replaceAll(',', ', ')})`,
      adaptive: parseRates(values['compare-rates']),
    },
  ];
  const cases = await measureCases(seeds);
  const verdicts = verdictTable(cases, rules);
  const command = `npx tsx bench/measure-pilot-moves.ts --seeds ${seeds.length} --compare-rates ${values['compare-rates']} --write`;
  const body = [
    `The pilot of the adaptive rule asks SEAS's round-2 calls one at a time, the one with the most unsure round-1 answers first, and a sequential test weighs how the answers moved (another label or another tag) until it calls the model stable or order-dependent; its two hypotheses are a move rate per round-1 tag for each kind of model (\`stableChangeRate\` and \`orderDependentChangeRate\`, "sure, unsure" below), and it takes a ${defaults.risk * 100}% risk of either wrong verdict at those rates. Simulated profiles, BoolQ 320, RTE 277 and QQP 158, line replies, seeds 0-${seeds.length - 1}, each case one BPE run of two rounds. Reproduce: \`${command}\`.`,
    '',
    '### How answers move between rounds 1 and 2',
    '',
    'Over the three prompts below and every seed, every round-2 answer:',
    '',
    ...rateTable(cases),
    '',
    '### The verdicts',
    '',
    `The right verdict is stable on \`frontier\` and order-dependent on \`gpt-4\` and \`gpt-3.5\`; a pilot still undecided when every call is asked runs as SEAS would, which is right on the latter two. In all, the default rates give ${verdicts.totals[0]!.right} of ${verdicts.totals[0]!.all} right verdicts and the compared rates ${verdicts.totals[1]!.right} of ${verdicts.totals[1]!.all}. Each pilot call asks again as many answers as a call of round 1 holds (round 1 is 5 calls on QQP, 9 on RTE, 10 on BoolQ at 32 per call).`,
    '',
    ...verdicts.lines,
  ];
  if (values.write) writeOwnedSection('Adaptive pilot: the verdict', body);
  if (values.json) process.stdout.write(`${JSON.stringify({ totals: verdicts.totals })}\n`);
  else process.stdout.write(`${body.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
