/**
 * Used-nonce stores: an emergency authorisation's nonce may finalise one round once.
 * @packageDocumentation
 */
import { readFile } from 'node:fs/promises';
import { writeAtomically } from './minutes-writer.js';

/** Remembers nonces of authorisations already used. */
export interface NonceStore {
  has(nonce: string): Promise<boolean>;
  /** Records a nonce as used for `roundId` at `at` (ISO time). */
  add(nonce: string, roundId: string, at: string): Promise<void>;
}

/** An in-memory store (tests, single process). */
export class MemoryNonceStore implements NonceStore {
  private readonly used = new Map<string, string>();
  async has(nonce: string): Promise<boolean> {
    return this.used.has(nonce);
  }
  async add(nonce: string, roundId: string): Promise<void> {
    this.used.set(nonce, roundId);
  }
}

interface NonceRecord {
  nonce: string;
  round_id: string;
  at: string;
}

/** A JSON file of used nonces (e.g. `<minutes>/emergency_nonces.json`), replaced atomically on each add. */
export class FileNonceStore implements NonceStore {
  constructor(private readonly path: string) {}

  async has(nonce: string): Promise<boolean> {
    return (await this.load()).some((r) => r.nonce === nonce);
  }

  async add(nonce: string, roundId: string, at: string): Promise<void> {
    const records = await this.load();
    records.push({ nonce, round_id: roundId, at });
    await writeAtomically(this.path, `${JSON.stringify({ used: records }, null, 2)}\n`);
  }

  private async load(): Promise<NonceRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch {
      return [];
    }
    const parsed = JSON.parse(text) as { used?: NonceRecord[] };
    return Array.isArray(parsed.used) ? parsed.used : [];
  }
}
