/**
 * A gateway in a child process (a fixture under `test/gateway/fixtures/` started with tsx), for tests that
 * kill it: it prints `URL <url>` once listening. Children are SIGKILLed by {@link killChildGateways}.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';

const children: ChildProcess[] = [];

/** A started child gateway: the process, its URL, and a promise that settles when it exits. */
export interface ChildGateway {
  child: ChildProcess;
  url: string;
  exited: Promise<void>;
}

/** Starts `fixtures/<fixture>` with `args` and resolves once it prints its URL (rejects if it exits first). */
export async function spawnChildGateway(fixture: string, ...args: string[]): Promise<ChildGateway> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'fixtures', fixture), ...args],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /URL (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}): ${err}`)));
  });
  return { child, url, exited };
}

/** SIGKILLs every child gateway still running (for `afterEach`). */
export function killChildGateways(): void {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}
