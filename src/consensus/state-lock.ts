/**
 * An exclusive lock file in a state directory that survives its owner being killed. The file records
 * who holds it (`{ pid, host, boot_id, started_at, token }`); a later process takes a lock over only when
 * its owner is provably gone: on this host, the pid no longer runs or the machine has rebooted since
 * (another `boot_id`); on another host (a shared state directory), the lock is older than
 * {@link STALE_LOCK_AFTER_MS}. A live owner's lock is refused with an error naming the file and owner.
 * @packageDocumentation
 */
import { createHash, randomUUID } from 'node:crypto';
import { type FileHandle, link, open, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';

/** A lock whose owner runs on another host is taken over after this long (10 minutes). */
export const STALE_LOCK_AFTER_MS = 10 * 60_000;

/** Who holds a lock, as recorded in its file. */
export interface LockOwner {
  readonly pid: number;
  readonly host: string;
  /** Linux boot id of the owner's machine, when known (a reboot ends every owner). */
  readonly boot_id?: string;
  /** ISO time the lock was taken. */
  readonly started_at: string;
  /** Unique per acquisition. */
  readonly token: string;
}

/** A stale lock taken over: whose it was and why it was judged stale. */
export interface LockTakeover {
  readonly path: string;
  /** The recorded owner (`undefined` when the file was unreadable). */
  readonly previous?: LockOwner;
  readonly reason: string;
}

/** Options of {@link acquireStateLock}. */
export interface StateLockOptions {
  /** Takes over a lock of another host (or an unreadable one) older than this; default {@link STALE_LOCK_AFTER_MS}. */
  readonly staleAfterMs?: number;
  /** Told about each stale lock taken over (write it to the audit log). */
  readonly onTakeover?: (takeover: LockTakeover) => void;
}

/** Thrown when a live owner holds the lock. */
export class LockBusyError extends Error {
  override readonly name = 'LockBusyError';
}

let bootId: string | null | undefined;
async function currentBootId(): Promise<string | undefined> {
  if (bootId === undefined) {
    bootId = await readFile('/proc/sys/kernel/random/boot_id', 'utf8').then(
      (t) => t.trim() || null,
      () => null,
    );
  }
  return bootId ?? undefined;
}

function pidRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseOwner(text: string): LockOwner | undefined {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return undefined;
  }
  const o = v as Partial<LockOwner> | null;
  if (!o || typeof o !== 'object') return undefined;
  if (!Number.isSafeInteger(o.pid) || (o.pid as number) <= 0) return undefined;
  if (typeof o.host !== 'string' || typeof o.started_at !== 'string' || typeof o.token !== 'string')
    return undefined;
  if (o.boot_id !== undefined && typeof o.boot_id !== 'string') return undefined;
  return o as LockOwner;
}

function describe(owner: LockOwner): string {
  return `pid ${owner.pid} on ${owner.host} since ${owner.started_at}`;
}

/** Why the lock held by `owner` (file modified at `mtimeMs`) is stale, or `undefined` while it is live. */
async function staleReason(
  owner: LockOwner | undefined,
  mtimeMs: number,
  staleAfterMs: number,
): Promise<string | undefined> {
  const ageMs = Date.now() - mtimeMs;
  const old = ageMs > staleAfterMs;
  const age = `${Math.round(ageMs / 1000)} s old, bound ${Math.round(staleAfterMs / 1000)} s`;
  if (!owner) return old ? `unreadable owner record, ${age}` : undefined;
  if (owner.host !== hostname()) return old ? `owner on another host, ${age}` : undefined;
  const boot = await currentBootId();
  if (owner.boot_id && boot && owner.boot_id !== boot) return 'this host rebooted since it was taken';
  return pidRunning(owner.pid) ? undefined : `its owner pid ${owner.pid} is no longer running`;
}

/** Creates `path` holding `record` only if it does not exist (never a half-written lock file). */
async function createExclusive(path: string, record: string): Promise<boolean> {
  const tmp = `${path}.${process.pid}.${randomUUID()}.tmp`;
  await writeFile(tmp, record, { flag: 'wx' });
  try {
    await link(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

/** A lock file's bytes and modification time, read through one handle; `undefined` when it is gone. */
async function inspect(path: string): Promise<{ text: string; mtimeMs: number } | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { mtimeMs } = await handle.stat();
    return { text: await handle.readFile('utf8'), mtimeMs };
  } finally {
    await handle.close();
  }
}

/** How one attempt to remove a stale lock ended. */
type Removal = 'removed' | 'gone' | 'contended' | 'retry';

/**
 * Removes the lock file `path` if it still holds exactly the bytes `seen` judged stale. Only the process
 * that creates the guard `<path>.takeover-<digest of seen>` may remove it, so two processes taking over
 * the same stale lock cannot remove each other's fresh lock; every acquisition writes a new token, so
 * the same bytes never come back once removed, and the guard is removed after use. A guard left by a
 * process killed mid-takeover is judged like a lock and removed the same way (`depth` bounds that).
 */
async function removeStale(
  path: string,
  seen: string,
  record: string,
  staleAfterMs: number,
  depth = 0,
): Promise<Removal> {
  const guard = `${path}.takeover-${createHash('sha256').update(seen).digest('hex').slice(0, 16)}`;
  if (!(await createExclusive(guard, record))) {
    const held = await inspect(guard);
    if (!held) return 'contended';
    if (depth >= 2 || (await staleReason(parseOwner(held.text), held.mtimeMs, staleAfterMs)) === undefined)
      return 'contended'; // a live process is taking it over right now
    await removeStale(guard, held.text, record, staleAfterMs, depth + 1);
    return 'retry';
  }
  try {
    const now = await inspect(path);
    if (now?.text !== seen) return 'gone';
    await unlink(path);
    return 'removed';
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

/**
 * Takes the lock file `path` (its directory must exist) and returns its release, which removes the file
 * only while it is still this acquisition's. A stale lock is taken over (reported to `onTakeover`);
 * a live one throws {@link LockBusyError} naming the file and its owner.
 */
export async function acquireStateLock(
  path: string,
  options: StateLockOptions = {},
): Promise<() => Promise<void>> {
  const staleAfterMs = options.staleAfterMs ?? STALE_LOCK_AFTER_MS;
  const bootIdNow = await currentBootId();
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    ...(bootIdNow ? { boot_id: bootIdNow } : {}),
    started_at: new Date().toISOString(),
    token: randomUUID(),
  };
  const record = `${JSON.stringify(owner)}\n`;
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await createExclusive(path, record)) {
      return async () => {
        if ((await inspect(path).catch(() => undefined))?.text === record)
          await unlink(path).catch(() => undefined);
      };
    }
    const held = await inspect(path);
    if (!held) continue; // released meanwhile
    const previous = parseOwner(held.text);
    const reason = await staleReason(previous, held.mtimeMs, staleAfterMs);
    if (reason === undefined) {
      throw new LockBusyError(
        `${path} is held by ${previous ? describe(previous) : 'an unreadable owner record'}: ` +
          'another authorisation is running (if that process is not a hive-resilience authorisation, ' +
          'remove the file)',
      );
    }
    const removal = await removeStale(path, held.text, record, staleAfterMs);
    if (removal === 'removed') options.onTakeover?.({ path, ...(previous ? { previous } : {}), reason });
    else if (removal === 'contended') {
      throw new LockBusyError(`${path} is being taken over by another authorisation (its owner died)`);
    }
  }
  throw new LockBusyError(`${path}: could not be taken (other processes keep taking it)`);
}
