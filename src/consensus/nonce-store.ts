/**
 * Used-nonce stores: an emergency authorisation's nonce may finalise one round once, and a round may be
 * finalised under an authorisation once. Keep the store outside any minutes folder (a state directory the
 * folder's author cannot edit): a record inside the folder could be deleted or redirected by whoever
 * edits the folder.
 * @packageDocumentation
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { writeAtomically } from './minutes-writer.js';
import { acquireStateLock, type LockTakeover } from './state-lock.js';

/** The used-nonce file inside a state directory. */
export const NONCE_FILE = 'emergency-nonces.json';

/** Remembers nonces of authorisations already used, and the rounds they finalised. */
export interface NonceStore {
  /** True when `nonce` was already used. */
  has(nonce: string): Promise<boolean>;
  /** True when an authorisation already finalised round `roundId`. */
  hasRound(roundId: string): Promise<boolean>;
  /** Records a nonce as used for `roundId` at `at` (ISO time). */
  add(nonce: string, roundId: string, at: string): Promise<void>;
  /**
   * Takes the store for one whole finalisation (check, write, record), so two concurrent authorisations
   * cannot both pass the checks; returns the release. Fails fast when a live owner holds it; a lock left
   * by a process that died is taken over and reported to `onTakeover`.
   */
  lock?(onTakeover?: (takeover: LockTakeover) => void): Promise<() => Promise<void>>;
}

/** An in-memory store (tests, single process). */
export class MemoryNonceStore implements NonceStore {
  private readonly used = new Map<string, string>();
  async has(nonce: string): Promise<boolean> {
    return this.used.has(nonce);
  }
  async hasRound(roundId: string): Promise<boolean> {
    return [...this.used.values()].includes(roundId);
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

/**
 * A JSON file of used nonces, `<stateDir>/emergency-nonces.json` (`{ "used": [{ nonce, round_id, at }] }`),
 * replaced atomically on each add. An unreadable or malformed file is an error (never "nothing used").
 */
export class FileNonceStore implements NonceStore {
  /** The file's path. */
  readonly path: string;

  /** @param stateDir - a directory outside every minutes folder (created on the first add) */
  constructor(stateDir: string) {
    this.path = join(stateDir, NONCE_FILE);
  }

  async has(nonce: string): Promise<boolean> {
    return (await this.load()).some((r) => r.nonce === nonce);
  }

  async hasRound(roundId: string): Promise<boolean> {
    return (await this.load()).some((r) => r.round_id === roundId);
  }

  async add(nonce: string, roundId: string, at: string): Promise<void> {
    const records = await this.load();
    records.push({ nonce, round_id: roundId, at });
    await writeAtomically(this.path, `${JSON.stringify({ used: records }, null, 2)}\n`);
  }

  /**
   * Takes `<file>.lock` (see {@link acquireStateLock}: it records its owner; a lock whose owner died is
   * taken over, a live owner's lock is refused naming the file and the owner).
   */
  async lock(onTakeover?: (takeover: LockTakeover) => void): Promise<() => Promise<void>> {
    await mkdir(dirname(this.path), { recursive: true });
    return acquireStateLock(`${this.path}.lock`, onTakeover ? { onTakeover } : {});
  }

  private async load(): Promise<NonceRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`${this.path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${this.path}: not JSON`);
    }
    const used = (parsed as { used?: unknown } | null)?.used;
    if (!Array.isArray(used)) throw new Error(`${this.path}: used: expected an array`);
    return used.filter(
      (r): r is NonceRecord => typeof r?.nonce === 'string' && typeof r?.round_id === 'string',
    );
  }
}
