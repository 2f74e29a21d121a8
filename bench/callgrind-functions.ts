/**
 * The functions a callgrind dump spends its instructions in (self cost), for `bench:instructions`
 * (`INSTR_TOP`). Callgrind sees V8's compiled JavaScript only as addresses; a process started with
 * `node --perf-basic-prof` writes `/tmp/perf-<pid>.map` (start, size and name of every code object it
 * created), which names them (`JS:*readFrames …`: `*` marks optimised code).
 */
import { existsSync, readFileSync } from 'node:fs';

/** One code object of V8's perf map. */
interface CodeRange {
  readonly start: number;
  readonly end: number;
  readonly name: string;
}

/** V8's perf map of process `pid`, sorted by start (empty when the process wrote none). */
export function readPerfMap(pid: number): CodeRange[] {
  const file = `/tmp/perf-${pid}.map`;
  if (!existsSync(file)) return [];
  const ranges: CodeRange[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const match = /^([0-9a-f]+) ([0-9a-f]+) (.*)$/.exec(line);
    if (!match) continue;
    const start = Number.parseInt(match[1]!, 16);
    ranges.push({ start, end: start + Number.parseInt(match[2]!, 16), name: match[3]! });
  }
  return ranges.sort((a, b) => a.start - b.start);
}

/**
 * The name of the code at `address`: the object holding it that starts closest below it; of several
 * starting at the same place (V8 reuses code space), the one the map listed last.
 */
function nameAt(ranges: readonly CodeRange[], address: number): string | undefined {
  let lo = 0;
  let hi = ranges.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ranges[mid]!.start <= address) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  // The ranges before `at` start lower; look back a little for one that still holds the address.
  let name: string | undefined;
  for (let i = at; i >= 0 && i > at - 64; i--) {
    const r = ranges[i]!;
    if (address < r.end) {
      name = r.name;
      break;
    }
  }
  return name;
}

/** The optimising compiler's own functions (its threads are counted apart: `bench:instructions`). */
const COMPILER = /v8::internal::(compiler|maglev|Zone|turboshaft)|v8::base::.*Zone/;

/**
 * Self instructions by function (the optimising compiler's left out) from `callgrind_annotate`'s (exclusive) output, JIT code named through
 * `ranges`; the `top` costliest, most expensive first. Paths are shortened to their package or file name.
 */
export function costliestFunctions(
  annotated: string,
  ranges: readonly CodeRange[],
  top: number,
): Array<{ name: string; instructions: number }> {
  const byName = new Map<string, number>();
  for (const line of annotated.split('\n')) {
    // The first column is the instructions; with `--cache-sim=yes` more event columns follow (`n (p%)`, or
    // `.` for none) before the function's name.
    const match = /^\s*([\d,]+) \([^)]*\)(?:\s+(?:[\d,]+ \([^)]*\)|\.))*\s+(\D.*)$/.exec(line);
    if (!match || match[2]!.startsWith('PROGRAM TOTALS')) continue;
    const instructions = Number(match[1]!.replace(/,/g, ''));
    const where = match[2]!;
    const address = /^\?\?\?:0x([0-9a-f]+) /.exec(where);
    const name = address
      ? (nameAt(ranges, Number.parseInt(address[1]!, 16)) ?? `JIT code at 0x${address[1]}`)
      : where.replace(/ \[[^\]]*\]$/, '').replace(/^\?\?\?:/, '');
    if (COMPILER.test(name)) continue;
    const short = name.replace(/(file:\/\/)?\/[^ ]*\/(node_modules\/|src\/|bench\/)/, '$2').slice(0, 120);
    byName.set(short, (byName.get(short) ?? 0) + instructions);
  }
  return [...byName]
    .map(([name, instructions]) => ({ name, instructions }))
    .sort((a, b) => b.instructions - a.instructions)
    .slice(0, top);
}
