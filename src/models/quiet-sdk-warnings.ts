import type { LanguageModelV3, SharedV3Warning } from '@ai-sdk/provider';

function describeWarning(warning: SharedV3Warning): string {
  const details = 'details' in warning && warning.details !== undefined ? ` (${warning.details})` : '';
  if (warning.type === 'unsupported' || warning.type === 'compatibility') {
    const how = warning.type === 'unsupported' ? 'is not supported' : 'is used in a compatibility mode';
    return `\`${warning.feature}\` ${how}${details}`;
  }
  return warning.type === 'other' ? warning.message : JSON.stringify(warning);
}

/**
 * The model with the warnings of its calls (a reasoning model's ignored `temperature`) told to
 * `warn`, each distinct one once, instead of to the AI SDK. Left to it in a process that set no
 * `AI_SDK_LOG_WARNINGS`, the SDK prints them with console.warn at every call, after a console.info
 * line on standard output: a library must not write to its user's output. Where that global is
 * set (the command line routes it to stderr; a user may turn it off), the SDK keeps them.
 */
export function quietSdkWarnings(model: LanguageModelV3, warn: (message: string) => void): LanguageModelV3 {
  const told = new Set<string>();
  const doGenerate: LanguageModelV3['doGenerate'] = async (options) => {
    const result = await model.doGenerate(options);
    if ((globalThis as { AI_SDK_LOG_WARNINGS?: unknown }).AI_SDK_LOG_WARNINGS !== undefined) return result;
    for (const warning of result.warnings) {
      const line = `${model.provider} / ${model.modelId}: ${describeWarning(warning)}`;
      if (told.has(line)) continue;
      told.add(line);
      warn(line);
    }
    return { ...result, warnings: [] };
  };
  // A proxy, not a copy: the providers' models are class instances whose getters read `this`.
  return new Proxy(model, {
    get: (target, property) =>
      property === 'doGenerate' ? doGenerate : Reflect.get(target, property, target),
  });
}
