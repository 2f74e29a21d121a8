/**
 * The `x-hive-*` headers of a model answer, one rule for chat (streamed or not) and embeddings: an answer
 * served by a model always names it (`x-hive-model`); `x-hive-attempts` comes only when it took more than
 * one attempt (skipped models included), `x-hive-fallback: true` only when a fallback served it; absent,
 * they mean one attempt and no fallback. An error answer always says its attempts. Each header costs
 * ~0.7 µs a request (Node checks its name and value with regular expressions), so an answer from the
 * first try carries one (docs/benchmarks.md, "twelfth session").
 * @packageDocumentation
 */
import type { FastifyReply } from 'fastify';
import type { AttemptRecord } from '../../engine/events.js';

/** What a served answer's headers report. */
export interface ServedState {
  readonly model: string;
  readonly attempts: readonly AttemptRecord[];
  readonly fallback: boolean;
}

/** Sets a served answer's `x-hive-*` headers on `reply`. */
export function setServedHeaders(reply: FastifyReply, state: ServedState): void {
  reply.header('x-hive-model', state.model);
  if (state.attempts.length !== 1) reply.header('x-hive-attempts', String(state.attempts.length));
  if (state.fallback) reply.header('x-hive-fallback', 'true');
}

/** Appends a served answer's `x-hive-*` headers to a flat `[name, value, …]` head (a stream's). */
export function pushServedHeaders(head: string[], state: ServedState): void {
  head.push('x-hive-model', state.model);
  if (state.attempts.length !== 1) head.push('x-hive-attempts', String(state.attempts.length));
  if (state.fallback) head.push('x-hive-fallback', 'true');
}

/** Sets an error answer's `x-hive-attempts` header: the attempts made (0 when none could be). */
export function setFailedHeaders(reply: FastifyReply, attempts: readonly AttemptRecord[]): void {
  reply.header('x-hive-attempts', String(attempts.length));
}
