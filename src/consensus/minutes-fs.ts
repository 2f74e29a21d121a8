/**
 * File access inside a minutes folder, which is untrusted input: names taken from the folder (vote-file
 * paths in the chain, model ids) must stay inside it, and a symbolic link planted in it (`votes/` pointing
 * elsewhere) must never redirect a write or a read. Every path is checked component by component with
 * `lstat`; writes go through an exclusively created temporary file and a rename.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { isAbsolute, join, posix } from 'node:path';

/** A path inside a minutes folder that cannot be used safely. */
export class UnsafeMinutesPathError extends Error {
  /** @param path - the path relative to the minutes folder; @param reason - what is wrong with it */
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`minutes folder: ${path}: ${reason}`);
    this.name = 'UnsafeMinutesPathError';
  }
}

/**
 * Checks a relative path taken from a minutes folder: forward slashes, no absolute path, no `..`, no empty,
 * `.` or NUL-carrying component, no backslash. Returns the normalised relative path, or `null`.
 */
export function checkRelativePath(relative: string): string | null {
  if (typeof relative !== 'string' || relative === '' || relative.includes('\0')) return null;
  if (relative.includes('\\') || isAbsolute(relative) || /^[A-Za-z]:/.test(relative)) return null;
  const parts = relative.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) return null;
  return posix.normalize(relative);
}

async function lstatOrNull(path: string) {
  try {
    return await lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Throws {@link UnsafeMinutesPathError} when `relative` leaves the folder or any existing component of it
 * (directory or file) is a symbolic link. Components that do not exist yet are fine.
 */
export async function assertInsideMinutes(root: string, relative: string): Promise<string> {
  const checked = checkRelativePath(relative);
  if (!checked) throw new UnsafeMinutesPathError(relative, 'not a plain relative path inside the folder');
  const parts = checked.split('/');
  for (let i = 1; i <= parts.length; i++) {
    const sub = parts.slice(0, i).join('/');
    const info = await lstatOrNull(join(root, sub));
    if (!info) break;
    if (info.isSymbolicLink()) {
      throw new UnsafeMinutesPathError(sub, 'is a symbolic link; refusing to follow it out of the folder');
    }
    if (i < parts.length && !info.isDirectory()) {
      throw new UnsafeMinutesPathError(sub, 'is not a directory');
    }
  }
  return join(root, checked);
}

/**
 * Writes `text` to `root/relative` atomically (an exclusively created temporary file, then a rename), after
 * checking that no component of the path is a symbolic link; missing directories are created one by one.
 * @throws UnsafeMinutesPathError naming the offending path
 */
export async function writeMinutesFile(root: string, relative: string, text: string): Promise<void> {
  const path = await assertInsideMinutes(root, relative);
  const parts = relative.split('/');
  for (let i = 1; i < parts.length; i++) {
    const sub = join(root, ...parts.slice(0, i));
    await mkdir(sub).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
  await assertInsideMinutes(root, relative);
  await replaceFile(path, text);
}

/**
 * Replaces the file at `path` with `text`: an exclusively created, uniquely named temporary file (never a
 * shared or pre-planted one), an fsync, then a rename over `path` (which replaces a link, never its target).
 */
export async function replaceFile(path: string, text: string): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o644);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}

/** What {@link readMinutesFile} found. */
export type MinutesRead =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly problem: 'missing' | 'unsafe'; readonly message: string };

/** Reads `root/relative` unless the path is unsafe (see {@link assertInsideMinutes}) or missing. */
export async function readMinutesFile(root: string, relative: string): Promise<MinutesRead> {
  let path: string;
  try {
    path = await assertInsideMinutes(root, relative);
  } catch (error) {
    if (error instanceof UnsafeMinutesPathError)
      return { ok: false, problem: 'unsafe', message: error.message };
    return { ok: false, problem: 'missing', message: `${relative}: ${(error as Error).message}` };
  }
  try {
    return { ok: true, bytes: await readFile(path) };
  } catch (error) {
    return {
      ok: false,
      problem: 'missing',
      message: `${relative}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`,
    };
  }
}

/**
 * Lists the symbolic links inside a minutes folder (relative paths, sorted), walking at most `maxEntries`
 * entries and `maxDepth` directory levels; links are never followed.
 */
export async function findSymlinks(root: string, maxEntries = 10_000, maxDepth = 6): Promise<string[]> {
  const found: string[] = [];
  let seen = 0;
  const walk = async (relative: string, depth: number): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(relative ? join(root, relative) : root, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (++seen > maxEntries) return;
      const sub = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isSymbolicLink()) found.push(sub);
      else if (entry.isDirectory() && depth < maxDepth) await walk(sub, depth + 1);
    }
  };
  await walk('', 0);
  return found.sort();
}

/**
 * Throws {@link UnsafeMinutesPathError} naming the first symbolic link found inside the folder.
 * Rounds call it before asking any model, so a planted link costs nothing.
 */
export async function assertNoSymlinks(root: string): Promise<void> {
  const links = await findSymlinks(root);
  if (links.length > 0) {
    throw new UnsafeMinutesPathError(
      links[0]!,
      `is a symbolic link; a minutes folder must not contain links (${links.length} found)`,
    );
  }
}
