/**
 * Streams and fallback: a stream is worth committing to only once it produced something. Read it up to
 * that point; until then a failure is an outcome the caller can fall back from.
 * @packageDocumentation
 */
import { classifySafely, defaultClassifier } from './classifier.js';
import { type Failure, type Outcome, success } from './outcome.js';

/** What a stream read up to its commit point gives back. */
export interface CommittedStream<E> {
  /** The iterator, positioned after the commit event. */
  readonly iterator: AsyncIterator<E>;
  /** Events read so far, the commit event last (replay them first). */
  readonly buffered: E[];
}

/**
 * An async iterator that can also hand out, without a promise, a result it already holds: events that
 * arrived together (one network read often carries several) pass through a chain of such iterators with
 * no microtask per event and per layer.
 */
export interface PullNowIterator<T> extends AsyncIterator<T> {
  /** The next result when it is at hand now; `undefined` when the caller must await `next()`. */
  nextNow(): IteratorResult<T> | undefined;
}

/** `iterator`'s next result when it is at hand now (see {@link PullNowIterator}); else `undefined`. */
export function nextNow<T>(iterator: AsyncIterator<T>): IteratorResult<T> | undefined {
  const pull = (iterator as Partial<PullNowIterator<T>>).nextNow;
  return pull === undefined ? undefined : pull.call(iterator);
}

/** How {@link readUntilCommit} treats one event. */
export type CommitDecision = 'commit' | 'buffer' | Failure;

/**
 * Commit on first content: reads `iterator` until `decide` says `commit` (the event is kept, the stream
 * is committed) or returns a failure (the stream failed before producing anything). An iterator that
 * ends first yields `ended()`; one that throws yields its classified failure. Never throws.
 * `buffered`: events a {@link commitNow} already read (they are kept first).
 */
export async function readUntilCommit<E>(
  iterator: AsyncIterator<E>,
  decide: (event: E) => CommitDecision,
  ended: () => Failure,
  buffered: E[] = [],
): Promise<Outcome<CommittedStream<E>>> {
  try {
    for (;;) {
      // The events at hand first (no promise each), then wait for one more.
      const now = commitNow(iterator, decide, ended, buffered);
      if (now !== undefined) return now;
      const read = settle(await iterator.next(), iterator, decide, ended, buffered);
      if (read !== undefined) return read;
    }
  } catch (error) {
    return classifySafely(defaultClassifier, error);
  }
}

/**
 * {@link readUntilCommit} without a promise, as far as the events at hand go (see {@link PullNowIterator}):
 * the outcome when the stream committed or failed on them; `undefined` when it has to wait, with the
 * events read so far in `buffered` (hand both to {@link readUntilCommit}). Never throws.
 */
export function commitNow<E>(
  iterator: AsyncIterator<E>,
  decide: (event: E) => CommitDecision,
  ended: () => Failure,
  buffered: E[],
): Outcome<CommittedStream<E>> | undefined {
  try {
    for (;;) {
      const next = nextNow(iterator);
      if (next === undefined) return undefined;
      const read = settle(next, iterator, decide, ended, buffered);
      if (read !== undefined) return read;
    }
  } catch (error) {
    return classifySafely(defaultClassifier, error);
  }
}

/** One event's effect: the outcome when it settles the read, `undefined` to read on. */
function settle<E>(
  next: IteratorResult<E>,
  iterator: AsyncIterator<E>,
  decide: (event: E) => CommitDecision,
  ended: () => Failure,
  buffered: E[],
): Outcome<CommittedStream<E>> | undefined {
  if (next.done) return ended();
  const d = decide(next.value);
  if (typeof d === 'object') return d;
  buffered.push(next.value);
  return d === 'commit' ? success({ iterator, buffered }) : undefined;
}
