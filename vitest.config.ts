import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Tests that spawn the CLI need a fresh dist/; built once per run.
    globalSetup: ['test/support/build-cli.ts'],
    // cap (live capture) crashes inside worker threads; forks keep every test file in its own process.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
