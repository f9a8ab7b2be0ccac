export type { FieldMapping } from './field-mapping.js';
export { type MappedRecord, mapRecord } from './map-record.js';
export { type DataFormat, type ReadRecordsOptions, readRecords } from './read-records.js';
export type { SourceRecord } from './source-record.js';
export { validateMapping } from './validate-mapping.js';
export { createResultsWriter, type ResultRow, type ResultsWriter } from './write-results.js';
