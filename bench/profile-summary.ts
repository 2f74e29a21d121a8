/**
 * Reads V8 `.cpuprofile` files into per-request figures: busy CPU µs per answered request by package
 * (our bundled gateway, each npm package, each Node internal module, GC, native), our self time per
 * source file and our hottest lines (mapped through the esbuild bundle's `// src/…` file markers).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Per-request CPU of one profile. `bundle` is the gateway bundle the profile was taken of (if any). */
export interface ProfileSummary {
  readonly busyUs: number;
  readonly byPackage: Map<string, number>;
  readonly byOurFile: Map<string, number>;
  readonly ourLines: { file: string; text: string; us: number }[];
}

function packageOf(frame: ProfileNode['callFrame'], bundleName: string | undefined): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith('(') ? frame.functionName : `native ${frame.functionName}`;
  if (bundleName && url.endsWith(bundleName)) return 'hive-resilience';
  if (url.includes('node_modules/')) {
    const parts = url.split('node_modules/').pop()?.split('/') ?? [];
    return parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? url);
  }
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/').slice(0, 2).join('/')}`;
  return url;
}

/** Summarises `profilePath` over `answered` requests. */
export function summarise(profilePath: string, answered: number, bundlePath?: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const lines = bundlePath ? readFileSync(bundlePath, 'utf8').split('\n') : [];
  const fileAt: string[] = [];
  let current = '?';
  lines.forEach((line, i) => {
    const marker = /^\/\/ (src\/\S+)/.exec(line);
    if (marker?.[1]) current = marker[1];
    fileAt[i + 1] = current;
  });
  const bundleName = bundlePath?.split('/').pop();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const byPackage = new Map<string, number>();
  const byOurFile = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    busy += us;
    const pkg = packageOf(frame, bundleName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us / answered);
    if (pkg === 'hive-resilience') {
      const file = fileAt[frame.lineNumber + 1] ?? '?';
      byOurFile.set(file, (byOurFile.get(file) ?? 0) + us / answered);
    }
  }
  const interval = (profile.endTime - profile.startTime) / Math.max(1, profile.samples.length);
  const ticks = new Map<number, number>();
  for (const node of profile.nodes) {
    if (!bundleName || !node.callFrame.url.endsWith(bundleName)) continue;
    for (const t of node.positionTicks ?? []) ticks.set(t.line, (ticks.get(t.line) ?? 0) + t.ticks);
  }
  const ourLines = [...ticks]
    .map(([line, n]) => ({
      file: fileAt[line] ?? '?',
      text: (lines[line - 1] ?? '').trim().slice(0, 100),
      us: (n * interval) / answered,
    }))
    .sort((a, b) => b.us - a.us);
  return { busyUs: busy / answered, byPackage, byOurFile, ourLines };
}

/**
 * Prints `theirs` beside `ours` (a yardstick and our gateway, or two runs of ours): packages and our files
 * by difference (a yardstick has none of our files), then `ours`'s hottest lines.
 */
export function printComparison(
  theirs: ProfileSummary,
  ours: ProfileSummary,
  top = 25,
  labels: readonly [string, string] = ['yardstick', 'ours'],
): void {
  const f = (n: number) => n.toFixed(2).padStart(7);
  const [a, b] = labels;
  console.log(`busy CPU µs per answered request: ${a} ${f(theirs.busyUs)}, ${b} ${f(ours.busyUs)}`);
  console.log(`  ${a.padStart(7)} ${b.padStart(7)}    diff  package`);
  printDiff(theirs.byPackage, ours.byPackage, top, f);
  console.log(`our self time by source file (µs/request), by difference:`);
  printDiff(theirs.byOurFile, ours.byOurFile, top, f);
  console.log(`${b}: our hottest lines (µs/request):`);
  for (const line of ours.ourLines.slice(0, top)) {
    console.log(`  ${f(line.us)}  ${line.file.replace(/^src\//, '').padEnd(36)} ${line.text}`);
  }
}

function printDiff(
  left: ReadonlyMap<string, number>,
  right: ReadonlyMap<string, number>,
  top: number,
  f: (n: number) => string,
): void {
  const names = new Set([...left.keys(), ...right.keys()]);
  const rows = [...names].map((n) => [n, left.get(n) ?? 0, right.get(n) ?? 0] as const);
  rows.sort((x, y) => y[2] - y[1] - (x[2] - x[1]));
  for (const [name, x, y] of rows.slice(0, top)) console.log(`  ${f(x)} ${f(y)} ${f(y - x)}  ${name}`);
}
