import { readFile, writeFile } from 'node:fs/promises';
import { renderReport } from '../../report/render-report.js';
import { parseReportInput } from '../../report/report-input.js';
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
  await writeFile(outputFile, renderReport(input, { sourceFile: inputFile }));
  print(
    `report written to ${outputFile}${input.data.simulated ? ` (simulated model ${input.data.model}: not a real LLM)` : ''}`,
  );
  return exitCodes.ok;
}

export const register: CommandRegistrar = (program, setExitCode) => {
  declareCommand(program, 'report')
    .argument('<file>', 'the JSON that eval --json, eval --compare --json or run --json printed')
    .option('-o, --output <file>', 'the HTML file to write (default: the input with .html)')
    .action(async (inputFile: string, values: ReportCliValues) => {
      setExitCode(await reportCommand(inputFile, values, (line) => process.stdout.write(`${line}\n`)));
    });
};
