import { defineConfig } from 'tsdown';

export default defineConfig({
  entry: { index: 'src/index.ts', test: 'src/test/index.ts', cli: 'src/cli/main.ts' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  dts: true,
  sourcemap: true,
  clean: true,
  fixedExtension: false,
  // How long the declaration bundle takes depends on the machine's load; it is no fault to report.
  checks: { pluginTimings: false },
});
