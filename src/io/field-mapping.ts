/** How the columns of a data file become a task's items. */
export interface FieldMapping {
  /** The column holding each row's id. @default the row's line number (see `SourceRecord.line`) */
  idField?: string;
  /** The task's item fields, each read from the column of the same name unless `fieldMap` says otherwise. */
  fields: readonly string[];
  /** Task field -> file column, for files whose columns are named differently from the task's fields. */
  fieldMap?: Readonly<Record<string, string>>;
  /** The column holding the gold answer, for evaluation. */
  labelField?: string;
}
