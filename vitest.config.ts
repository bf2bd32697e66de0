import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['dist/**', 'node_modules/**'],
    environment: 'node',
    setupFiles: ['test/helpers/stop-spawned.ts'],
    testTimeout: 20_000,
  },
});
