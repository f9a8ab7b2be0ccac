/** One warning as the AI SDK hands it to `AI_SDK_LOG_WARNINGS` (the fields read here). */
interface SdkWarning {
  type: string;
  feature?: unknown;
  details?: string;
  message?: string;
}

type SdkWarningLogger = (options: { warnings: SdkWarning[]; provider: string; model: string }) => void;

const routedMark = Symbol.for('batchprompt.routedSdkWarnings');

/**
 * Sends the AI SDK's warnings to `write` (standard error), each distinct one once per command.
 * Left alone, the SDK prints them with `console.warn` at every call (a reasoning model's ignored
 * `temperature`: one line per call) and, before the first, a `console.info` line on standard
 * output, which breaks the JSON that `--json` prints there. A logger the user installed is kept.
 */
export function routeSdkWarnings(write: (line: string) => void): void {
  const current: unknown = (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS;
  if (current !== undefined && !(typeof current === 'function' && routedMark in current)) return;
  const seen = new Set<string>();
  const logger: SdkWarningLogger = ({ warnings, provider, model }) => {
    for (const warning of warnings) {
      const line = `warning: ${provider} / ${model}: ${describeSdkWarning(warning)}`;
      if (seen.has(line)) continue;
      seen.add(line);
      write(`${line}\n`);
    }
  };
  (globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS = Object.assign(logger, {
    [routedMark]: true,
  });
}

function describeSdkWarning(warning: SdkWarning): string {
  const details = warning.details === undefined ? '' : ` (${warning.details})`;
  if (warning.type === 'unsupported') return `\`${String(warning.feature)}\` is not supported${details}`;
  if (warning.type === 'compatibility')
    return `\`${String(warning.feature)}\` is used in a compatibility mode${details}`;
  return warning.message ?? JSON.stringify(warning);
}
