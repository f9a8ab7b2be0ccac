import { defineTask } from './define-task.js';
import type { SingleOutputTask } from './task-schema.js';

/*
 * The built-in tasks of the evaluation data sets. Instructions and examples are written for this
 * project; the examples are invented and never drawn from the evaluation data.
 */

export const boolqTask: SingleOutputTask = defineTask({
  name: 'boolq',
  instruction:
    'Read the passage, then answer the question about it with yes or no. Base the answer on the passage; use general knowledge only where the passage leaves the question open.',
  fields: [
    { name: 'question', description: 'a yes/no question' },
    { name: 'passage', description: 'a paragraph that bears on the question' },
  ],
  answer: {
    type: 'labels',
    labels: [
      {
        value: 'yes',
        description: 'the answer to the question is yes',
        aliases: ['true', '1', 'class 1', 'y'],
      },
      {
        value: 'no',
        description: 'the answer to the question is no',
        aliases: ['false', '0', 'class 0', 'n'],
      },
    ],
  },
  goldField: 'label',
  examples: [
    {
      fields: {
        question: 'is the great barrier reef visible from low earth orbit',
        passage:
          'Great Barrier Reef -- The reef lies in the Coral Sea off the coast of Queensland and stretches for more than 2,300 kilometres over an area of roughly 344,000 square kilometres. It is made up of close to 3,000 separate reefs and some 900 islands. Astronauts aboard orbiting spacecraft have photographed it, and it is often described as the largest single structure made by living organisms; large parts of it can be picked out from orbit as pale turquoise bands against the deeper blue of the open sea.',
      },
      answer: 'yes',
    },
    {
      fields: {
        question: 'do penguins live in the arctic',
        passage:
          'Penguin -- Penguins are flightless seabirds that live almost entirely in the Southern Hemisphere. Only one species, the Galapagos penguin, is found north of the equator, and then only just. The largest colonies are on Antarctica and the sub-Antarctic islands, with other species along the coasts of South America, southern Africa, Australia and New Zealand. The Arctic has seabirds that look somewhat alike, such as puffins and guillemots, but they are not related to penguins and they can fly.',
      },
      answer: 'no',
    },
    {
      fields: {
        question: 'can a bill become law in the us without the president signing it',
        passage:
          "Veto -- When Congress passes a bill, the President may sign it, veto it, or take no action. If the President neither signs nor returns the bill within ten days (Sundays excepted) while Congress is in session, it becomes law without a signature. If Congress adjourns during those ten days and so prevents its return, the bill does not become law; this is called a pocket veto. A regular veto can be overridden by a two-thirds vote of both the House and the Senate, in which case the bill becomes law over the President's objection.",
      },
      answer: 'yes',
    },
    {
      fields: {
        question: 'is the mississippi the longest river in the united states',
        passage:
          'Missouri River -- The Missouri rises in the Rocky Mountains of western Montana and flows east and south for about 3,767 kilometres before joining the Mississippi just north of St. Louis. It is the longest river in North America, slightly longer than the Mississippi itself, whose own course from Lake Itasca to the Gulf of Mexico measures around 3,730 kilometres. Taken together as one system, the Mississippi and Missouri form one of the longest river systems in the world.',
      },
      answer: 'no',
    },
  ],
});

export const rteTask: SingleOutputTask = defineTask({
  name: 'rte',
  instruction:
    'Decide whether the premise entails the hypothesis: whether a careful reader who accepts the premise as true would have to accept the hypothesis as true too.',
  fields: [
    { name: 'premise', description: 'a short text taken as true' },
    { name: 'hypothesis', description: 'a statement to check against the premise' },
  ],
  answer: {
    type: 'labels',
    labels: [
      {
        value: 'entailment',
        description: 'the hypothesis follows from the premise',
        aliases: ['entailed', 'entails', 'yes', 'true', '0', 'class 0'],
      },
      {
        value: 'not_entailment',
        description: 'the hypothesis does not follow (it contradicts the premise or is not settled by it)',
        aliases: ['not entailed', 'no entailment', 'no', 'false', '1', 'class 1'],
      },
    ],
  },
  goldField: 'label',
  examples: [
    {
      fields: {
        premise:
          'The city council voted on Tuesday to close the old harbour bridge to cars from next spring, after engineers reported cracks in two of its supporting piers. Cyclists and pedestrians will still be allowed to cross.',
        hypothesis: 'The harbour bridge will remain open to pedestrians.',
      },
      answer: 'entailment',
    },
    {
      fields: {
        premise:
          'A spokesman for the company said the new factory in the north of the country would employ about 400 people once it reaches full production, expected within two years.',
        hypothesis: 'The company has closed its factory in the north of the country.',
      },
      answer: 'not_entailment',
    },
  ],
});

export const qqpTask: SingleOutputTask = defineTask({
  name: 'qqp',
  instruction:
    'Decide whether the two questions ask the same thing, so that one answer would serve both. Questions about related topics that would need different answers are not duplicates.',
  fields: [
    { name: 'question1', description: 'a question posted by a user' },
    { name: 'question2', description: 'another question posted by a user' },
  ],
  answer: {
    type: 'labels',
    labels: [
      {
        value: 'duplicate',
        description: 'both questions ask the same thing',
        aliases: ['duplicates', 'same', 'yes', 'true', '1', 'class 1'],
      },
      {
        value: 'not_duplicate',
        description: 'the questions ask different things',
        aliases: ['not duplicates', 'different', 'no', 'false', '0', 'class 0'],
      },
    ],
  },
  goldField: 'label',
  examples: [
    {
      fields: {
        question1: 'How do I improve my English pronunciation at home?',
        question2: 'What are some ways to get better at pronouncing English words by myself?',
      },
      answer: 'duplicate',
    },
    {
      fields: {
        question1: 'What is the best laptop for programming under $1000?',
        question2: 'What is the best laptop for gaming under $1000?',
      },
      answer: 'not_duplicate',
    },
    {
      fields: {
        question1: 'Why do cats purr?',
        question2: 'What makes a cat purr?',
      },
      answer: 'duplicate',
    },
    {
      fields: {
        question1: 'How long does it take to learn to drive a car?',
        question2: 'How much does it cost to learn to drive a car?',
      },
      answer: 'not_duplicate',
    },
  ],
});

/*
 * GSM8K: grade-school arithmetic word problems, answered with a worked solution and then the
 * number. Whole numbers, compared exactly (the test split's answers are all integers).
 */
export const gsm8kTask: SingleOutputTask = defineTask({
  name: 'gsm8k',
  instruction:
    'Solve the math word problem. Work it out in a few short steps, writing each calculation, then give the final answer as a number.',
  fields: [{ name: 'question', description: 'a word problem whose answer is a number' }],
  answer: { type: 'number', integer: true },
  reasoning: true,
  goldField: 'answer',
  examples: [
    {
      fields: {
        question:
          'A bakery bakes 24 rolls in the morning and 18 in the afternoon, and packs all of them in bags of 6. How many bags does it fill?',
      },
      reasoning: 'The bakery bakes 24 + 18 = 42 rolls. In bags of 6 that is 42 / 6 = 7 bags.',
      answer: 7,
    },
    {
      fields: {
        question:
          'Mira is paid $15 an hour. She works 6 hours on Saturday and 4 hours on Sunday, then spends $35 on a bus pass. How much of her weekend pay does she have left?',
      },
      reasoning:
        'She works 6 + 4 = 10 hours, so she earns 10 * 15 = $150. After the bus pass she has 150 - 35 = $115 left.',
      answer: 115,
    },
  ],
});

export const builtinTasks: Readonly<Record<string, SingleOutputTask>> = {
  boolq: boolqTask,
  rte: rteTask,
  qqp: qqpTask,
  gsm8k: gsm8kTask,
};
