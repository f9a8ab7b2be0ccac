/**
 * Whether node-llama-cpp (an optional peer dependency, not installed by `npm ci`) can be imported
 * here. Tests that load a real GGUF model skip, saying why, where it cannot, unless
 * BATCHPROMPT_REQUIRE_LOCAL_MODEL is set (as `.ci/run` sets it after installing the package): then
 * a missing package fails the run instead of skipping its tests.
 */
// The name in a variable, as src/models/node-llama-cpp-api.ts imports it: a literal would make the
// type check look for the package (test doubles may not import from models/).
const packageName: string = 'node-llama-cpp';

export const nodeLlamaCppAvailable: boolean = await import(packageName).then(
  () => true,
  (error: unknown) => {
    const reason = `node-llama-cpp is not installed (${error instanceof Error ? error.message : String(error)}); run \`npm install --no-save node-llama-cpp@3.21.1\``;
    if (process.env.BATCHPROMPT_REQUIRE_LOCAL_MODEL)
      throw new Error(`BATCHPROMPT_REQUIRE_LOCAL_MODEL is set, but ${reason}`);
    console.log(`skipping local-model tests: ${reason}`);
    return false;
  },
);
