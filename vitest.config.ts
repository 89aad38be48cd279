import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // cap (live capture) crashes inside worker threads; forks keep every test file in its own process.
    pool: 'forks',
    testTimeout: 60_000,
  },
});
