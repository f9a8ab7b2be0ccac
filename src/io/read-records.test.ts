import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../spec/errors.js';
import { buildParquetFile } from '../test/build-parquet-file.js';
import { collect } from '../test/collect.js';
import { rejectionOf } from '../test/rejection-of.js';
import { useTempDir } from '../test/temp-dir.js';
import { readRecords } from './read-records.js';

const pathTo = useTempDir();

function fixture(name: string, content: string | Uint8Array): string {
  const file = pathTo(name);
  writeFileSync(file, content);
  return file;
}

async function inputErrorOf(
  file: string,
  format?: 'jsonl' | 'csv' | 'json' | 'parquet',
): Promise<InputError> {
  const error = await rejectionOf(collect(readRecords(file, format ? { format } : {})));
  expect(InputError.isInstance(error), `expected an InputError, got ${error}`).toBe(true);
  return error as InputError;
}

describe('readRecords: JSONL', () => {
  it('reads one object per line, skipping blank lines, with 1-based line numbers', async () => {
    const file = fixture('rows.jsonl', '{"q":"a","n":1}\n\n   \r\n{"q":"b"}\r\n{"q":"c"}');
    expect(await collect(readRecords(file))).toEqual([
      { line: 1, record: { q: 'a', n: 1 } },
      { line: 4, record: { q: 'b' } },
      { line: 5, record: { q: 'c' } },
    ]);
  });

  it('treats .ndjson as JSONL and drops a byte order mark', async () => {
    const file = fixture('rows.ndjson', '\uFEFF{"q":"é"}\n');
    expect(await collect(readRecords(file))).toEqual([{ line: 1, record: { q: 'é' } }]);
  });

  it('names file and line of a malformed line, and says what is wrong', async () => {
    const file = fixture('bad.jsonl', '{"q":"a"}\n{"q":"b"}\n{"q": "c",}\n{"q":"d"}\n');
    const error = await inputErrorOf(file);
    expect(error.file).toBe(file);
    expect(error.line).toBe(3);
    expect(error.message).toContain(`${file}, line 3: invalid JSON`);
    expect(error.message).toContain('{"q": "c",}');
  });

  it('rejects a line that is JSON but not an object', async () => {
    const error = await inputErrorOf(fixture('array-line.jsonl', '{"q":"a"}\n[1,2]\n'));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/expected a JSON object .* got an array/);
  });

  it('fails on an empty file and on a file of blank lines', async () => {
    expect((await inputErrorOf(fixture('empty.jsonl', ''))).message).toMatch(/no rows: the file is empty/);
    expect((await inputErrorOf(fixture('blank.jsonl', '\n  \n'))).message).toMatch(/only blank lines/);
  });
});

describe('readRecords: CSV', () => {
  it('maps each row to the header, with the line where the row starts', async () => {
    const file = fixture(
      'rows.csv',
      '\uFEFFid,question,label\n1,"Is it, really?",yes\n\n2,"two\nlines ""quoted""",no\n3,plain,yes',
    );
    expect(await collect(readRecords(file))).toEqual([
      { line: 2, record: { id: '1', question: 'Is it, really?', label: 'yes' } },
      { line: 4, record: { id: '2', question: 'two\nlines "quoted"', label: 'no' } },
      { line: 6, record: { id: '3', question: 'plain', label: 'yes' } },
    ]);
  });

  it('counts lines the same way in a CRLF file', async () => {
    const file = fixture('crlf.csv', 'id,text\r\n1,"a\r\nb"\r\n\r\n2,c\r\n');
    expect(await collect(readRecords(file))).toEqual([
      { line: 2, record: { id: '1', text: 'a\r\nb' } },
      { line: 5, record: { id: '2', text: 'c' } },
    ]);
  });

  it('names the line and the column of a row with a missing field', async () => {
    const error = await inputErrorOf(fixture('short.csv', 'id,question,label\n1,a,yes\n2,b\n'));
    expect(error.line).toBe(3);
    expect(error.field).toBe('label');
    expect(error.message).toMatch(/line 3.*2 fields, the header has 3: no value for `label`/);
  });

  it('rejects a row with an extra field', async () => {
    const error = await inputErrorOf(fixture('long.csv', 'id,question\n1,a\n2,b,c\n'));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/3 fields, the header has 2/);
  });

  it('rejects mixed line endings instead of keeping a stray \\r in the values', async () => {
    const error = await inputErrorOf(fixture('mixed.csv', 'id,q\n1,a\r\n2,b\n'));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/mixes \\r\\n and \\n/);
  });

  it('rejects a duplicate header name and an unclosed quote', async () => {
    expect((await inputErrorOf(fixture('dup.csv', 'a,b,a\n1,2,3\n'))).message).toMatch(/line 1.*`a` twice/);
    const unclosed = await inputErrorOf(fixture('quote.csv', 'a,b\n1,2\n3,"4\n'));
    expect(unclosed.message).toMatch(/invalid CSV: Quote Not Closed/);
    expect(unclosed.line).toBe(3);
  });

  it('fails on an empty file and on a header without rows', async () => {
    expect((await inputErrorOf(fixture('empty.csv', ''))).message).toMatch(/the file is empty/);
    expect((await inputErrorOf(fixture('header.csv', 'a,b\n'))).message).toMatch(/no data rows/);
  });
});

describe('readRecords: JSON array', () => {
  it('reads each element, with its 1-based index as the line', async () => {
    const file = fixture(
      'rows.json',
      ' [\n {"q": "a ] , [ {"},\n\n{"q":"b\\"", "nested": {"list": [1, {"x": "]"}]}}  ]\n',
    );
    expect(await collect(readRecords(file))).toEqual([
      { line: 1, record: { q: 'a ] , [ {' } },
      { line: 2, record: { q: 'b"', nested: { list: [1, { x: ']' }] } } },
    ]);
  });

  it('rejects an element that is not an object, naming its index and file line', async () => {
    const error = await inputErrorOf(fixture('scalar.json', '[{"q":"a"},\n"just text"]'));
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/got a string "just text" \(array element 2, from file line 2\)/);
  });

  it('rejects a malformed element, a trailing comma, a truncated file and a top-level object', async () => {
    expect((await inputErrorOf(fixture('malformed.json', '[{"q":"a"}, {"q" "b"}]'))).message).toMatch(
      /line 2: invalid JSON/,
    );
    expect((await inputErrorOf(fixture('trailing.json', '[{"q":"a"},]'))).message).toMatch(/stray comma/);
    expect((await inputErrorOf(fixture('truncated.json', '[{"q":"a"}, {"q":'))).message).toMatch(
      /ends before the array is closed/,
    );
    expect((await inputErrorOf(fixture('object.json', '{"rows": []}'))).message).toMatch(
      /expected a JSON array/,
    );
    expect((await inputErrorOf(fixture('after.json', '[{"q":"a"}] x'))).message).toMatch(/after the end/);
  });

  it('fails on an empty file and an empty array', async () => {
    expect((await inputErrorOf(fixture('empty.json', ' \n'))).message).toMatch(/the file is empty/);
    expect((await inputErrorOf(fixture('empty-array.json', '[ ]'))).message).toMatch(/the array is empty/);
  });
});

describe('readRecords: Parquet', () => {
  const columns = [
    { name: 'id', type: 'int64', values: [11n, 12n, 13n, 14n, 15n] },
    { name: 'question', type: 'string', values: ['a', 'bé', 'c', 'd', 'e'] },
    { name: 'score', type: 'double', values: [0.5, 1, 1.5, 2, 2.5] },
    { name: 'gold', type: 'boolean', values: [true, false, true, true, false] },
  ] as const;

  it('reads every row across row groups, with 1-based row numbers', async () => {
    const file = fixture('rows.parquet', buildParquetFile(columns, { rowGroupSize: 2 }));
    const rows = await collect(readRecords(file));
    expect(rows.map((row) => row.line)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[1]).toEqual({ line: 2, record: { id: 12n, question: 'bé', score: 1, gold: false } });
    expect(rows[4]?.record).toEqual({ id: 15n, question: 'e', score: 2.5, gold: false });
  });

  it('reads a row group larger than one read (65,536 rows) in ranges, without gaps or repeats', async () => {
    const rowCount = 70_000;
    const ids = Array.from({ length: rowCount }, (_, index) => BigInt(index));
    const file = fixture(
      'big-group.parquet',
      buildParquetFile([{ name: 'id', type: 'int64', values: ids }], { rowGroupSize: rowCount }),
    );
    let count = 0;
    for await (const row of readRecords(file)) {
      if (row.line !== count + 1 || row.record.id !== BigInt(count))
        throw new Error(`row ${count} is ${String(row.record.id)}`);
      count++;
    }
    expect(count).toBe(rowCount);
  });

  it('decompresses GZIP pages, which only hyparquet-compressors can', async () => {
    const file = fixture('gzip.parquet', buildParquetFile(columns, { rowGroupSize: 3, codec: 'GZIP' }));
    const rows = await collect(readRecords(file));
    expect(rows.map((row) => row.record.question)).toEqual(['a', 'bé', 'c', 'd', 'e']);
  });

  it('rejects a file that is not Parquet, and a Parquet file with no rows', async () => {
    expect((await inputErrorOf(fixture('fake.parquet', 'id,q\n1,a\n'))).message).toMatch(
      /not a readable Parquet file/,
    );
    const empty = buildParquetFile([{ name: 'id', type: 'int64', values: [] }], { rowGroupSize: 10 });
    expect((await inputErrorOf(fixture('empty.parquet', empty))).message).toMatch(/no rows/);
  });
});

describe('readRecords: any format', () => {
  it('fails with "file not found" for a missing file', async () => {
    for (const name of ['missing.jsonl', 'missing.csv', 'missing.json', 'missing.parquet']) {
      const error = await inputErrorOf(pathTo(name));
      expect(error.message).toBe(`${pathTo(name)}: file not found`);
    }
  });

  it('names file and line of bytes that are not UTF-8', async () => {
    const bytes = Buffer.concat([
      Buffer.from('{"q":"a"}\n{"q":"b"}\n{"q":"'),
      Buffer.from([0xff]),
      Buffer.from('"}\n'),
    ]);
    const jsonl = await inputErrorOf(fixture('latin1.jsonl', bytes));
    expect(jsonl.line).toBe(3);
    expect(jsonl.message).toMatch(/line 3: bytes are not valid UTF-8 \(byte 0xff\)/);

    const csv = Buffer.concat([Buffer.from('id,q\n1,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    const csvError = await inputErrorOf(fixture('latin1.csv', csv));
    expect(csvError.line).toBe(2);
    expect(csvError.message).toMatch(/not valid UTF-8/);
  });

  it('takes the format from options over the extension, and rejects an unknown extension', async () => {
    const file = fixture('rows.txt', '{"q":"a"}\n');
    expect(await collect(readRecords(file, { format: 'jsonl' }))).toEqual([{ line: 1, record: { q: 'a' } }]);
    expect(() => readRecords(file)).toThrow(/cannot tell the data format from the extension `.txt`/);
    // The commands and selectSource have no `format` to pass: the remedy is the file's name.
    expect(() => readRecords(file)).toThrow(
      /`\.txt`; name the file for what it holds: \.jsonl or \.ndjson \(one JSON object a line\), \.csv \(comma-separated, with a header\), \.json \(an array of objects\) or \.parquet$/,
    );
  });

  it('stops with the abort reason when the signal is aborted mid-read', async () => {
    const file = fixture('abort.jsonl', '{"q":"a"}\n{"q":"b"}\n{"q":"c"}\n');
    const controller = new AbortController();
    const seen: number[] = [];
    const error = await rejectionOf(
      (async () => {
        for await (const row of readRecords(file, { signal: controller.signal })) {
          seen.push(row.line);
          controller.abort();
        }
      })(),
    );
    expect(error.name).toBe('AbortError');
    expect(seen).toEqual([1]);
  });
});

// A reader that loads the whole file before its first row would not return until the writer at
// the other end of the pipe had finished; a streaming one returns after the first chunk.
describe.skipIf(process.platform === 'win32')('readRecords streams', () => {
  const rowCount = 200_000;
  const cases = [
    {
      format: 'jsonl' as const,
      content: () =>
        Array.from({ length: rowCount }, (_, index) => `{"id":${index},"q":"question ${index}"}\n`),
      first: { line: 1, record: { id: 0, q: 'question 0' } },
    },
    {
      format: 'csv' as const,
      content: () => [
        'id,q\n',
        ...Array.from({ length: rowCount }, (_, index) => `${index},question ${index}\n`),
      ],
      first: { line: 2, record: { id: '0', q: 'question 0' } },
    },
    {
      format: 'json' as const,
      content: () => [
        '[',
        ...Array.from(
          { length: rowCount },
          (_, index) => `${index ? ',' : ''}{"id":${index},"q":"question ${index}"}\n`,
        ),
        ']',
      ],
      first: { line: 1, record: { id: 0, q: 'question 0' } },
    },
  ];

  it.each(cases)(
    'returns the first $format row while most of a 200k-row file is unwritten',
    async (testCase) => {
      const fifo = pathTo(`stream-${testCase.format}`);
      execFileSync('mkfifo', [fifo]);
      const content = Buffer.from(testCase.content().join(''));
      const writer = createWriteStream(fifo);
      writer.on('error', () => {}); // EPIPE once the reader has closed its end
      const stopWriting = new AbortController();
      let bytesWritten = 0;
      let writerDone = false;
      const writing = (async () => {
        for (let offset = 0; offset < content.length; offset += 16 * 1024) {
          const piece = content.subarray(offset, offset + 16 * 1024);
          bytesWritten += piece.length;
          if (!writer.write(piece)) await once(writer, 'drain', { signal: stopWriting.signal });
        }
        writer.end();
        writerDone = true;
      })().catch(() => {});

      const rows = readRecords(fifo, { format: testCase.format })[Symbol.asyncIterator]();
      const first = await rows.next();
      expect(first.value).toEqual(testCase.first);
      expect(writerDone).toBe(false);
      expect(bytesWritten).toBeLessThan(content.length / 4);

      await rows.return?.();
      stopWriting.abort();
      writer.destroy();
      await writing;
    },
  );

  it('reads all 200k rows of a file with the right line numbers', async () => {
    const lines = Array.from({ length: rowCount }, (_, index) => `{"id":${index}}\n`);
    const file = fixture('many.jsonl', lines.join(''));
    let count = 0;
    for await (const row of readRecords(file)) {
      if (row.line !== count + 1 || row.record.id !== count)
        throw new Error(`row ${count} is ${JSON.stringify(row)}`);
      count++;
    }
    expect(count).toBe(rowCount);
  });
});
