import type { FastifyInstance } from 'fastify';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { createGatewayServer } from '../../src/server/app.js';
import { type GatewaySettingsInput, gatewaySettings } from '../../src/server/settings.js';
import { FakeAudit, FakeBackend } from './fake-backend.js';

export const KEYS = {
  read: 'read-key-0123456789',
  operate: 'operate-key-0123456789',
  admin: 'admin-key-0123456789',
  client: 'client-key-0123456789',
  restricted: 'restricted-key-0123456789',
} as const;

export const SECURED: GatewaySettingsInput = {
  security: {
    adminKeys: [
      { name: 'reader', key: KEYS.read, scope: 'read' },
      { name: 'operator', key: KEYS.operate, scope: 'operate' },
      { name: 'root', key: KEYS.admin, scope: 'admin' },
    ],
  },
};

export interface Harness {
  app: FastifyInstance;
  backend: FakeBackend;
  audit: FakeAudit;
  clock: FakeClock;
}

export async function harness(
  input: GatewaySettingsInput = SECURED,
  backend = new FakeBackend(),
): Promise<Harness> {
  const audit = new FakeAudit();
  const clock = new FakeClock();
  const app = await createGatewayServer({
    backend,
    settings: gatewaySettings(input),
    audit,
    clock,
    logger: false,
  });
  return { app, backend, audit, clock };
}

export const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'gpt-a',
  messages: [{ role: 'user', content: 'hi' }],
  ...extra,
});

/** Parses an SSE body into its `data:` payloads. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

/** `${NAME}`, an environment reference as written in a config file. */
export const envRef = (name: string): string => `$${'{'}${name}}`;
