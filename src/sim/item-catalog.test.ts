import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { boolqTask, gsm8kTask } from '../task/builtin-tasks.js';
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

  it('keeps the number of each gold answer, numbers too, and an item without one as unknown gold', () => {
    const catalog = createItemCatalog(gsm8kTask);
    catalog.add({ fields: { question: 'one' }, gold: '18' });
    catalog.add({ fields: { question: 'two' }, gold: 18 });
    catalog.add({ fields: { question: 'three' }, gold: '$1,800' });
    catalog.add({ fields: { question: 'four' } });
    expect(catalog.find({ question: 'one' })?.gold).toBe(18);
    expect(catalog.find({ question: 'two' })?.gold).toBe(18);
    expect(catalog.find({ question: 'three' })?.gold).toBe(1800);
    const four = catalog.find({ question: 'four' });
    expect(four).toBeDefined();
    expect(four?.gold).toBeUndefined();
    expect(four?.digest).toBe(catalog.digestOf({ question: 'four' }));
  });

  it('keeps no text and no object per item: 40,000 items of 2 KB add under 40 bytes each', async () => {
    // In a child process with a callable gc, so that the figures are not garbage still to collect;
    // typed arrays live outside the heap, so their bytes (arrayBuffers) are counted too.
    const script = `
      const { createItemCatalog } = await import(${JSON.stringify(new URL('./item-catalog.ts', import.meta.url).href)});
      const { boolqTask } = await import(${JSON.stringify(new URL('../task/builtin-tasks.ts', import.meta.url).href)});
      const filler = 'x'.repeat(2000);
      const catalog = createItemCatalog(boolqTask);
      catalog.add({ fields: { question: 'warm-up', passage: filler }, gold: true });
      const used = () => { gc(); gc(); const memory = process.memoryUsage(); return memory.heapUsed + memory.arrayBuffers; };
      const before = used();
      for (let index = 0; index < 40000; index += 1) {
        catalog.add({ fields: { question: 'question ' + index, passage: index + filler }, gold: index % 2 === 0 });
      }
      const growth = used() - before;
      const found = catalog.find({ question: 'question 39999', passage: 39999 + filler });
      console.log(JSON.stringify({ growth, size: catalog.size, gold: found?.gold }));
    `;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: new URL('../..', import.meta.url) },
    );
    const { growth, size, gold } = JSON.parse(stdout) as { growth: number; size: number; gold: string };
    expect(size).toBe(40_001);
    expect(gold).toBe('no');
    // The texts would be 80 MB, a Map from digest strings about 3.5 MB; the table is 65,536
    // slots of 12 bytes (786 KB, 20 bytes an item).
    expect(growth).toBeGreaterThan(10 * 40_000);
    expect(growth).toBeLessThan(40 * 40_000);
  });
});
