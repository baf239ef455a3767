import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Two cores here; CLI and process tests spawn children of their own.
    pool: 'forks',
  },
});
