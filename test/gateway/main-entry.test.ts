import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG_PATH, startGateway } from '../../src/index.js';

describe("the main entry's startGateway (loads the gateway on first call)", () => {
  it('starts the embedded default, answers, and closes', async () => {
    expect(existsSync(DEFAULT_CONFIG_PATH)).toBe(true);
    const gateway = await startGateway({
      port: 0,
      dataDir: ':memory:',
      logger: false,
      probes: false,
      adminKey: 'k'.repeat(16),
    });
    try {
      expect(gateway.configPath).toBe(DEFAULT_CONFIG_PATH);
      const live = await fetch(`${gateway.url}/health/live`);
      expect(live.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});
