/**
 * Writes examples/tickets/tickets.jsonl: support tickets of a made-up company that sells a
 * banking app, a website shop and a payment card, each with the gold answers of ten questions a
 * support team asks of a ticket (topic, urgency, tone, product and six yes/no flags). The texts
 * are put together from the phrases below, written for this project; each phrase carries the
 * answers it implies, so the gold answers follow from the text by construction. Deterministic:
 * the same run writes the same file.
 *
 *   npx tsx scripts/write-ticket-examples.ts [--rows 240] [--out examples/tickets/tickets.jsonl]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';

type Topic = 'billing' | 'technical' | 'account' | 'delivery';
type Product = 'app' | 'shop' | 'card';
type Urgency = 'low' | 'normal' | 'high';
type Tone = 'positive' | 'neutral' | 'negative';
const flagNames = ['refund', 'cancellation', 'deadline', 'competitor', 'callback', 'repeat_contact'] as const;
type Flag = (typeof flagNames)[number];

/** What the customer writes about, by topic and product: a subject and the problem itself. */
const problems: Record<Topic, Record<Product, [subject: string, body: string][]>> = {
  billing: {
    app: [
      ['Charged twice', 'The app took the monthly fee from my account twice on the 3rd.'],
      ['Fee I did not expect', 'My statement in the app shows a 4.99 fee I never agreed to.'],
      ['Wrong amount', 'The transfer I made in the app cost me 12 instead of the 2 your price list shows.'],
    ],
    shop: [
      ['Invoice does not match', 'The invoice for order 5521 lists a lamp I never ordered.'],
      [
        'Paid but order unpaid',
        'I paid for my order by bank transfer a week ago and the shop still says it is unpaid.',
      ],
      [
        'Discount not applied',
        'The spring discount code was accepted at checkout but the total did not change.',
      ],
    ],
    card: [
      ['Annual card fee', 'I was billed the annual fee for the card although my plan is meant to be free.'],
      ['Foreign payment fee', 'A payment I made abroad with the card carries a fee of almost 9 percent.'],
      ['Card charge I do not recognise', 'There is a card payment of 230 to a hotel I have never stayed at.'],
    ],
  },
  technical: {
    app: [
      ['App crashes', 'The app closes by itself every time I open the savings tab.'],
      [
        'Cannot see balance',
        'Since the last update the app shows a blank screen where my balance should be.',
      ],
      ['Notifications stopped', 'I no longer get any notifications from the app, even for payments.'],
    ],
    shop: [
      ['Checkout error', 'The website shows an error at the last step of checkout and nothing happens.'],
      ['Page does not load', 'The product pages of the shop load forever on my laptop and my phone.'],
      ['Basket empties itself', 'Every time I add a second item, the basket on the website is emptied.'],
    ],
    card: [
      ['Card declined', 'My card is declined at every terminal although there is money in the account.'],
      ['Contactless not working', 'Contactless payments with the card fail; only inserting it works.'],
      ['Card chip damaged', 'The chip of my card seems broken: machines say they cannot read it.'],
    ],
  },
  account: {
    app: [
      ['Locked out', 'The app has locked me out after the fingerprint login failed three times.'],
      ['Change of address', 'I moved house and the app will not let me change my address.'],
      ['Second device', 'I cannot add my new phone as a second device to my account.'],
    ],
    shop: [
      ['Password reset', 'The password reset link for my shop account says it has expired.'],
      ['Email change', 'I want the shop account moved to my new email address.'],
      [
        'Two shop accounts',
        'I created two customer accounts on the website by mistake and want them merged.',
      ],
    ],
    card: [
      ['PIN forgotten', 'I have forgotten the PIN of my card and cannot find where to reset it.'],
      ['Name on card', 'My name is misspelt on the new card, which my bank at home does not accept.'],
      ['Card limit', 'I would like the daily spending limit on my card raised.'],
    ],
  },
  delivery: {
    app: [
      [
        'Activation letter not arrived',
        'The letter with my app activation code has not arrived after three weeks.',
      ],
      ['Code sent to old address', 'The activation code for the app was posted to my previous address.'],
      ['Token device missing', 'The security token you said you would send for the app never came.'],
    ],
    shop: [
      ['Parcel late', 'My parcel was due on Monday and tracking has not moved for five days.'],
      ['Wrong item delivered', 'I ordered a blue kettle and received a set of glasses instead.'],
      ['Parcel damaged', 'The parcel arrived crushed and the lamp inside is broken.'],
    ],
    card: [
      ['New card not received', 'The replacement card you posted two weeks ago has not reached me.'],
      ['Card sent to wrong person', 'My neighbour received a card with my name on it.'],
      ['Card delivery address', 'The new card is going to be posted to an address I left last year.'],
    ],
  },
};

/** Sentences that set the urgency. */
const urgencyPhrases: Record<Urgency, string[]> = {
  low: [
    'There is no hurry, whenever you have time.',
    'It is not urgent, just something I noticed.',
    'Please look into it when you can.',
  ],
  normal: [
    'Could you look into this this week?',
    'I would like this sorted soon.',
    'Please let me know what to do.',
  ],
  high: [
    'This is urgent: I cannot pay my rent until it is fixed.',
    'I need this solved today, I am travelling tomorrow.',
    'Please treat this as urgent, I have no other way to pay.',
  ],
};

/** Sentences that set the tone. */
const tonePhrases: Record<Tone, string[]> = {
  positive: [
    'Your team has always been very helpful, so I am sure this is easy to fix.',
    'I really like the service otherwise, thank you for your help.',
    'Thanks in advance, you have been great so far.',
  ],
  neutral: ['Thank you.', 'Regards.', 'Details are above.'],
  negative: [
    'This is the third problem this month and I am running out of patience.',
    'Frankly this is unacceptable and very frustrating.',
    'I am disappointed with how this has been handled.',
  ],
};

/** A sentence per flag; a ticket carries the flags whose sentence it contains. */
const flagPhrases: Record<Flag, string[]> = {
  refund: ['I want my money back.', 'Please refund the amount.', 'I expect a refund for this.'],
  cancellation: [
    'If this is not fixed I will cancel my account.',
    'I am thinking of closing everything with you.',
    'Please also send me the form to cancel my plan.',
  ],
  deadline: [
    'I need an answer before Friday.',
    'It has to be settled by the end of the month.',
    'I must have this done before the 15th.',
  ],
  competitor: [
    'Another bank offered me the same for free.',
    'My friends use a different shop that never has this problem.',
    'A competitor has already offered to take me on.',
  ],
  callback: [
    'Please call me back on my mobile.',
    'I would prefer a phone call rather than an email.',
    'Can someone ring me this afternoon?',
  ],
  repeat_contact: [
    'I already wrote to you about this last week.',
    'This is my second message on the same issue.',
    'I have called twice already and nobody got back to me.',
  ],
};

const openings = ['Hello,', 'Hi,', 'Good morning,', 'Dear support,', '', ''];

/** A small deterministic generator (mulberry32), so the file is the same on every machine. */
function randomSource(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(random: () => number, values: readonly T[]): T {
  return values[Math.floor(random() * values.length)]!;
}

/** One ticket with its gold answers. */
function ticket(random: () => number, index: number): Record<string, string | string[]> {
  const topic = pick(random, ['billing', 'technical', 'account', 'delivery'] as const);
  const product = pick(random, ['app', 'shop', 'card'] as const);
  const urgency = pick(random, ['low', 'normal', 'normal', 'high'] as const);
  // A deadline makes a ticket at least normal; a threat to leave is never written in a warm tone.
  const flags = flagNames.filter(
    (flag) =>
      !(flag === 'deadline' && urgency === 'low') &&
      random() < (flag === 'refund' && topic === 'billing' ? 0.5 : 0.18),
  );
  const leaving = flags.includes('cancellation') || flags.includes('competitor');
  // Urgent tickets are more often angry, as in real queues; the tone is still its own question.
  const tone = pick(
    random,
    urgency === 'high' || leaving
      ? (['neutral', 'negative', 'negative', ...(leaving ? [] : (['positive'] as const))] as const)
      : (['positive', 'neutral', 'neutral', 'negative'] as const),
  );
  const [subject, problem] = pick(random, problems[topic][product]);
  const opening = pick(random, openings);
  const sentences = [
    problem,
    ...flags.map((flag) => pick(random, flagPhrases[flag])),
    pick(random, urgencyPhrases[urgency]),
    pick(random, tonePhrases[tone]),
  ];
  const row: Record<string, string | string[]> = {
    id: `ticket-${String(index + 1).padStart(4, '0')}`,
    subject,
    body: `${opening === '' ? '' : `${opening}\n`}${sentences.join(' ')}`,
    topic,
    urgency,
    tone,
    product,
    mentions: flags,
  };
  for (const flag of flagNames) row[flag] = flags.includes(flag) ? 'yes' : 'no';
  return row;
}

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '240' },
    out: { type: 'string', default: 'examples/tickets/tickets.jsonl' },
    seed: { type: 'string', default: '7' },
  },
});
const random = randomSource(Number(values.seed));
const rows = Array.from({ length: Number(values.rows) }, (_, index) => ticket(random, index));
mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`);
process.stdout.write(`wrote ${rows.length} tickets to ${values.out}\n`);
