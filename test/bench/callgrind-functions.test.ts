/**
 * `bench:instructions`' function list (`INSTR_TOP`): callgrind_annotate's lines parsed with one event column
 * and with the cache simulation's nine, compiled JavaScript named from V8's perf map, the compiler left out.
 */
import { describe, expect, it } from 'vitest';
import { costliestFunctions } from '../../bench/callgrind-functions.js';

const ranges = [
  { start: 0x1000, end: 0x1100, name: 'JS:*readFrames file:///x/src/providers/sse-frames.ts:1:1' },
];

describe('costliestFunctions', () => {
  it('reads instructions-only lines and cache-simulation lines alike, naming JIT code and adding up duplicates', () => {
    const plain = [
      '1,000,000 (100.0%)  PROGRAM TOTALS',
      '  400,000 (40.00%)  ???:Builtins_LoadIC [/usr/bin/node]',
      '  300,000 (30.00%)  ???:0x0000000000001040 [???]',
      '  200,000 (20.00%)  ???:v8::internal::compiler::GraphReducer::ReduceTop() [/usr/bin/node]',
      '  150,000 (15.00%)  ???:0x0000000000001080 [???]',
      '   50,000 ( 5.00%)  ???:0x0000000000009000 [???]',
    ].join('\n');
    const cache = [
      '1,000,000 (100.0%) 500 (100.0%) .   PROGRAM TOTALS',
      '  400,000 (40.00%) 300 (60.00%) 12 ( 3.00%)  ???:Builtins_LoadIC [/usr/bin/node]',
      '  300,000 (30.00%)   . 7 ( 1.00%)  ???:0x0000000000001040 [???]',
    ].join('\n');
    expect(costliestFunctions(plain, ranges, 10)).toEqual([
      { name: 'JS:*readFrames src/providers/sse-frames.ts:1:1', instructions: 450_000 },
      { name: 'Builtins_LoadIC', instructions: 400_000 },
      { name: 'JIT code at 0x0000000000009000', instructions: 50_000 },
    ]);
    expect(costliestFunctions(cache, ranges, 1)).toEqual([
      { name: 'Builtins_LoadIC', instructions: 400_000 },
    ]);
  });
});
