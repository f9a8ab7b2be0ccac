/**
 * Whether node-llama-cpp (an optional peer dependency) can be imported here. Tests that load a real
 * GGUF model skip, saying why, where it cannot.
 */
export const nodeLlamaCppAvailable: boolean = await import('node-llama-cpp').then(
  () => true,
  (error: unknown) => {
    console.log(
      `skipping local-model tests: node-llama-cpp is not installed (${error instanceof Error ? error.message : String(error)}); run \`npm install node-llama-cpp@3.21.1\``,
    );
    return false;
  },
);
