import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boolqTask } from '../task/builtin-tasks.js';
import { createItemCatalog } from './item-catalog.js';

const passage = (index: number) => `Passage ${index}. ${'Some words about the topic at hand. '.repeat(3)}`;

describe('createItemCatalog', () => {
  it('finds a known item by its text as the prompt shows it (whitespace flattened), with its gold answer', () => {
    const catalog = createItemCatalog(boolqTask, [
      { fields: { question: 'is it so', passage: 'It is  so.\nIndeed.' }, gold: true },
    ]);
    expect(catalog.find({ question: 'is it so', passage: 'It is so. Indeed.' })?.gold).toBe('yes');
    expect(catalog.find({ question: 'is it not so', passage: 'It is so. Indeed.' })).toBeUndefined();
  });

  it('keeps the first gold answer of two items with the same text, and counts texts, not items', () => {
    const catalog = createItemCatalog(boolqTask);
    catalog.add({ fields: { question: 'q', passage: passage(1) }, gold: false });
    catalog.add({ fields: { question: 'q', passage: passage(1) }, gold: true });
    catalog.add({ fields: { question: 'q', passage: passage(2) }, gold: true });
    expect(catalog.size).toBe(2);
    expect(catalog.find({ question: 'q', passage: passage(1) })?.gold).toBe('no');
  });

  it('keeps a digest per item, not its text: 40,000 items of 2 KB add far less heap than their 80 MB', async () => {
    // In a child process with a callable gc, so that the heap figures are not garbage still to collect.
    const script = `
      const { createItemCatalog } = await import(${JSON.stringify(new URL('./item-catalog.ts', import.meta.url).href)});
      const { boolqTask } = await import(${JSON.stringify(new URL('../task/builtin-tasks.ts', import.meta.url).href)});
      const filler = 'x'.repeat(2000);
      const catalog = createItemCatalog(boolqTask);
      catalog.add({ fields: { question: 'warm-up', passage: filler }, gold: true });
      gc(); gc();
      const before = process.memoryUsage().heapUsed;
      for (let index = 0; index < 40000; index += 1) {
        catalog.add({ fields: { question: 'question ' + index, passage: index + filler }, gold: index % 2 === 0 });
      }
      gc(); gc();
      console.log(JSON.stringify({ growth: process.memoryUsage().heapUsed - before, size: catalog.size }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('../..', import.meta.url) },
    );
    const { growth, size } = JSON.parse(stdout) as { growth: number; size: number };
    expect(size).toBe(40_001);
    // Holding the texts would add over 80 MB; a digest and an answer per item are a few MB.
    expect(growth).toBeLessThan(20 * 1024 * 1024);
  });
});
