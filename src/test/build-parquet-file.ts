import { gzipSync } from 'node:zlib';

/**
 * A minimal Parquet writer for test fixtures: flat REQUIRED columns, PLAIN encoding, one data page
 * (v1) per column chunk, no statistics or indexes. No Parquet writer is installed and nothing can
 * be downloaded, so the tests build their files with this; hyparquet reading them back is the check.
 */
export interface ParquetColumn {
  name: string;
  type: 'string' | 'int64' | 'double' | 'boolean';
  values: readonly (string | number | bigint | boolean)[];
}

export interface BuildParquetOptions {
  /** Rows per row group. */
  rowGroupSize: number;
  /** Rows per data page. @default all the rows of the row group in one page */
  rowsPerPage?: number;
  /** GZIP needs hyparquet-compressors to read back; hyparquet alone knows only SNAPPY. */
  codec?: 'UNCOMPRESSED' | 'GZIP';
}

// Thrift compact protocol field types.
const thriftI32 = 5;
const thriftI64 = 6;
const thriftBinary = 8;
const thriftList = 9;
const thriftStruct = 12;

const parquetTypes = { boolean: 0, int64: 2, double: 5, string: 6 } as const;
const codecs = { UNCOMPRESSED: 0, GZIP: 2 } as const;
const plainEncoding = 0;
const rleEncoding = 3;
const dataPage = 0;
const required = 0;
const utf8ConvertedType = 0;

/** A Thrift compact-protocol struct writer, enough for Parquet's metadata. */
class ThriftWriter {
  readonly bytes: number[] = [];
  private lastFieldIds: number[] = [0];

  private fieldHeader(id: number, type: number): void {
    const last = this.lastFieldIds.at(-1)!;
    const delta = id - last;
    if (delta > 0 && delta <= 15) this.bytes.push((delta << 4) | type);
    else {
      this.bytes.push(type);
      this.varint(zigzag(BigInt(id)));
    }
    this.lastFieldIds[this.lastFieldIds.length - 1] = id;
  }

  varint(value: bigint): void {
    let rest = value;
    while (rest >= 0x80n) {
      this.bytes.push(Number(rest & 0x7fn) | 0x80);
      rest >>= 7n;
    }
    this.bytes.push(Number(rest));
  }

  i32(id: number, value: number): void {
    this.fieldHeader(id, thriftI32);
    this.varint(zigzag(BigInt(value)));
  }

  i64(id: number, value: number | bigint): void {
    this.fieldHeader(id, thriftI64);
    this.varint(zigzag(BigInt(value)));
  }

  binary(id: number, value: string): void {
    this.fieldHeader(id, thriftBinary);
    const encoded = new TextEncoder().encode(value);
    this.varint(BigInt(encoded.length));
    this.bytes.push(...encoded);
  }

  struct(id: number, write: () => void): void {
    this.fieldHeader(id, thriftStruct);
    this.structBody(write);
  }

  private structBody(write: () => void): void {
    this.lastFieldIds.push(0);
    write();
    this.bytes.push(0); // stop field
    this.lastFieldIds.pop();
  }

  private listHeader(id: number, size: number, elementType: number): void {
    this.fieldHeader(id, thriftList);
    if (size < 15) this.bytes.push((size << 4) | elementType);
    else {
      this.bytes.push(0xf0 | elementType);
      this.varint(BigInt(size));
    }
  }

  structList<T>(id: number, items: readonly T[], write: (item: T) => void): void {
    this.listHeader(id, items.length, thriftStruct);
    for (const item of items) this.structBody(() => write(item));
  }

  i32List(id: number, items: readonly number[]): void {
    this.listHeader(id, items.length, thriftI32);
    for (const item of items) this.varint(zigzag(BigInt(item)));
  }

  stringList(id: number, items: readonly string[]): void {
    this.listHeader(id, items.length, thriftBinary);
    for (const item of items) {
      const encoded = new TextEncoder().encode(item);
      this.varint(BigInt(encoded.length));
      this.bytes.push(...encoded);
    }
  }

  /** Ends the top-level struct. */
  finish(): Uint8Array {
    this.bytes.push(0);
    return Uint8Array.from(this.bytes);
  }
}

function zigzag(value: bigint): bigint {
  return value >= 0n ? value << 1n : (-value << 1n) - 1n;
}

function plainValues(column: ParquetColumn, values: ParquetColumn['values']): Uint8Array {
  if (column.type === 'boolean') {
    const packed = new Uint8Array(Math.ceil(values.length / 8));
    values.forEach((value, index) => {
      if (value === true) packed[index >> 3]! |= 1 << (index & 7);
    });
    return packed;
  }
  if (column.type === 'string') {
    const parts = values.map((value) => Buffer.from(String(value), 'utf8'));
    const out = Buffer.alloc(parts.reduce((sum, part) => sum + 4 + part.length, 0));
    let offset = 0;
    for (const part of parts) {
      out.writeUInt32LE(part.length, offset);
      part.copy(out, offset + 4);
      offset += 4 + part.length;
    }
    return out;
  }
  const out = Buffer.alloc(values.length * 8);
  values.forEach((value, index) => {
    if (column.type === 'int64') out.writeBigInt64LE(BigInt(value as number | bigint), index * 8);
    else out.writeDoubleLE(Number(value), index * 8);
  });
  return out;
}

export function buildParquetFile(
  columns: readonly ParquetColumn[],
  options: BuildParquetOptions,
): Uint8Array {
  const codec = options.codec ?? 'UNCOMPRESSED';
  const rowCount = columns[0]?.values.length ?? 0;
  const chunks: Uint8Array[] = [new TextEncoder().encode('PAR1')];
  let offset = 4;
  const rowGroups: {
    numRows: number;
    columnChunks: { column: ParquetColumn; offset: number; size: number; uncompressed: number }[];
  }[] = [];

  for (let start = 0; start < rowCount; start += options.rowGroupSize) {
    const end = Math.min(start + options.rowGroupSize, rowCount);
    const columnChunks = [];
    for (const column of columns) {
      let size = 0;
      let uncompressed = 0;
      const pageRows = options.rowsPerPage ?? end - start;
      for (let pageStart = start; pageStart < end; pageStart += pageRows) {
        const pageEnd = Math.min(pageStart + pageRows, end);
        const values = plainValues(column, column.values.slice(pageStart, pageEnd));
        const body = codec === 'GZIP' ? gzipSync(values) : values;
        const header = new ThriftWriter();
        header.i32(1, dataPage);
        header.i32(2, values.length);
        header.i32(3, body.length);
        header.struct(5, () => {
          header.i32(1, pageEnd - pageStart);
          header.i32(2, plainEncoding);
          header.i32(3, rleEncoding);
          header.i32(4, rleEncoding);
        });
        const headerBytes = header.finish();
        chunks.push(headerBytes, body);
        size += headerBytes.length + body.length;
        uncompressed += headerBytes.length + values.length;
      }
      columnChunks.push({ column, offset, size, uncompressed });
      offset += size;
    }
    rowGroups.push({ numRows: end - start, columnChunks });
  }

  const footer = new ThriftWriter();
  footer.i32(1, 1);
  footer.structList(2, [undefined, ...columns], (column) => {
    if (column === undefined) {
      footer.binary(4, 'schema');
      footer.i32(5, columns.length);
      return;
    }
    footer.i32(1, parquetTypes[column.type]);
    footer.i32(3, required);
    footer.binary(4, column.name);
    if (column.type === 'string') footer.i32(6, utf8ConvertedType);
  });
  footer.i64(3, rowCount);
  footer.structList(4, rowGroups, (rowGroup) => {
    footer.structList(1, rowGroup.columnChunks, (chunk) => {
      footer.i64(2, chunk.offset);
      footer.struct(3, () => {
        footer.i32(1, parquetTypes[chunk.column.type]);
        footer.i32List(2, [plainEncoding, rleEncoding]);
        footer.stringList(3, [chunk.column.name]);
        footer.i32(4, codecs[codec]);
        footer.i64(5, rowGroup.numRows);
        footer.i64(6, chunk.uncompressed);
        footer.i64(7, chunk.size);
        footer.i64(9, chunk.offset);
      });
    });
    footer.i64(
      2,
      rowGroup.columnChunks.reduce((sum, chunk) => sum + chunk.uncompressed, 0),
    );
    footer.i64(3, rowGroup.numRows);
  });
  footer.binary(6, 'batchprompt test fixture');
  const footerBytes = footer.finish();
  const length = Buffer.alloc(4);
  length.writeUInt32LE(footerBytes.length);
  chunks.push(footerBytes, length, new TextEncoder().encode('PAR1'));
  return Buffer.concat(chunks);
}
