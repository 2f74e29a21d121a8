import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    // Generous: a timeout here guards against a hung test, it is not a speed assertion (CLI tests spawn several
    // child processes, which take many seconds on a loaded 2-vCPU machine).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default', ['json', { outputFile: '.test-results/results.json' }]],
  },
});
