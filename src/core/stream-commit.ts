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
 */
export async function readUntilCommit<E>(
  iterator: AsyncIterator<E>,
  decide: (event: E) => CommitDecision,
  ended: () => Failure,
): Promise<Outcome<CommittedStream<E>>> {
  const buffered: E[] = [];
  try {
    for (;;) {
      const next = nextNow(iterator) ?? (await iterator.next());
      if (next.done) return ended();
      const d = decide(next.value);
      if (typeof d === 'object') return d;
      buffered.push(next.value);
      if (d === 'commit') return success({ iterator, buffered });
    }
  } catch (error) {
    return classifySafely(defaultClassifier, error);
  }
}
