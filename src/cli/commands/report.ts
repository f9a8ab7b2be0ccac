import { open, readFile, writeFile } from 'node:fs/promises';
import { renderReport } from '../../report/render-report.js';
import { parseReportInput, reportInputs } from '../../report/report-input.js';
import { InputError } from '../../spec/errors.js';
import { exitCodes } from '../exit-codes.js';
import type { CommandRegistrar } from '../main.js';
import { refuseClashingPaths } from '../output-paths.js';
import { declareCommand } from './command-summaries.js';

interface ReportCliValues {
  output?: string;
}

/** `results/compare.json` becomes `results/compare.html`, next to the figures it shows. */
export function defaultReportFile(inputFile: string): string {
  return `${inputFile.replace(/\.json$/i, '')}.html`;
}

/**
 * Refuses an `-o` that would replace an existing file other than an HTML page: the report knows
 * neither the data file nor the store of the run it shows, so a slip of `-o` could otherwise
 * replace the data, the results or `store.sqlite` (whose paid replies are then lost) with HTML.
 */
async function refuseOverwritingNonHtml(outputFile: string): Promise<void> {
  let head: string;
  try {
    const handle = await open(outputFile, 'r');
    try {
      const buffer = Buffer.alloc(256);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      head = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    // Nothing there yet: the report makes it. A directory or an unreadable file fails at the write.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
      throw new InputError(`-o \`${outputFile}\` is a directory; give -o a file`, { field: 'output' });
    }
    throw error;
  }
  if (/^\uFEFF?\s*<!doctype html/i.test(head) || /^\uFEFF?\s*<html[\s>]/i.test(head)) return;
  throw new InputError(
    `-o \`${outputFile}\` exists and is not an HTML page; nothing was written (a data, results or store file?): give -o a new file, or an earlier report to replace`,
    { field: 'output' },
  );
}

export async function reportCommand(
  inputFile: string,
  values: ReportCliValues,
  print: (text: string) => void,
): Promise<number> {
  const outputFile = values.output ?? defaultReportFile(inputFile);
  refuseClashingPaths([{ flag: 'the report input', path: inputFile }], [{ flag: '-o', path: outputFile }]);
  let text: string;
  try {
    text = await readFile(inputFile, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read the report input: ${(error as Error).message}`, {
      file: inputFile,
      cause: error,
    });
  }
  const input = parseReportInput(text, inputFile);
  await refuseOverwritingNonHtml(outputFile);
  await writeFile(outputFile, renderReport(input, { sourceFile: inputFile }));
  print(
    `report written to ${outputFile}${input.data.simulated ? ` (simulated model ${input.data.model}: not a real LLM)` : ''}`,
  );
  return exitCodes.ok;
}

export const register: CommandRegistrar = (program, setExitCode) => {
  declareCommand(program, 'report')
    .argument('<file>', `the JSON that ${reportInputs} printed`)
    .option('-o, --output <file>', 'the HTML file to write (default: the input with .html)')
    .action(async (inputFile: string, values: ReportCliValues) => {
      setExitCode(await reportCommand(inputFile, values, (line) => process.stdout.write(`${line}\n`)));
    });
};
