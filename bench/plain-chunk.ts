/**
 * `npx tsx bench/plain-chunk.ts`: what recognising a plain content delta costs, by the answer's template
 * (every chunk after the first plain one) and by the full check (a scanner that saw nothing yet), against
 * `JSON.parse` of the same chunk (what it saves), on a chunk shaped like OpenAI's, in one mitata run.
 */
import { bench, do_not_optimize, run, summary } from 'mitata';
import { isPlainDelta, PlainDeltaScanner } from '../src/providers/plain-chunk.js';
import { loadavg } from './loadavg.js';

const chunk = JSON.stringify({
  id: 'chatcmpl-AbCdEf0123456789',
  object: 'chat.completion.chunk',
  created: 1_733_150_000,
  model: 'gpt-4o-mini-2024-07-18',
  system_fingerprint: 'fp_0ba0d124f1',
  choices: [{ index: 0, delta: { content: ' the' }, logprobs: null, finish_reason: null }],
});

console.log(`loadavg ${loadavg()}; chunk of ${chunk.length} characters`);
summary(() => {
  bench('isPlainDelta, by template (a later chunk)', () => do_not_optimize(isPlainDelta(chunk)));
  bench('full check (a fresh scanner)', () =>
    do_not_optimize(new PlainDeltaScanner().isPlainAt(chunk, 0, chunk.length)),
  );
  bench('JSON.parse (what the check saves)', () => do_not_optimize(JSON.parse(chunk)));
});
await run();
