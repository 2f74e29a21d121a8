/**
 * Typed events of a consensus round, delivered through the `onEvent` callback (the gateway writes them to
 * its audit log). Events carry ids, statuses and signer names only: never keys or signatures.
 * @packageDocumentation
 */
import type { RefusalReason } from './authorisation.js';
import type { RoundStatus, VoterStatus } from './results-format.js';

/** A voter's live state: the final {@link VoterStatus} values plus the in-flight ones. */
export type VoterProgressStatus = 'pending' | 'asking' | 'retrying' | VoterStatus;

/** Why finalising under an emergency authorisation was refused. */
export type FinaliseRefusalReason = RefusalReason | 'not_pending' | 'insufficient_votes' | 'tampered';

/** Every event a round emits. */
export type ConsensusEvent =
  | {
      readonly type: 'round.started';
      readonly round_id: string;
      readonly minute_id: string;
      readonly voters: readonly string[];
      readonly at: string;
    }
  | {
      readonly type: 'voter.status';
      readonly round_id: string;
      readonly voter: string;
      readonly status: VoterProgressStatus;
      readonly attempt: number;
      readonly substitute_for?: string;
      readonly detail?: string;
    }
  | {
      readonly type: 'round.extended';
      readonly round_id: string;
      readonly extension: number;
      readonly voters: readonly string[];
    }
  | { readonly type: 'round.quorum_failed'; readonly round_id: string; readonly votes: number }
  | {
      readonly type: 'round.emergency_pending';
      readonly round_id: string;
      readonly votes: number;
      readonly failed_voters: readonly string[];
      readonly state_file: string;
    }
  | {
      readonly type: 'round.emergency_authorised';
      readonly round_id: string;
      readonly signers: readonly string[];
      readonly reduced_quorum: number;
      readonly nonce: string;
    }
  | {
      /** A used-nonce lock left by a process that died was taken over (see `acquireStateLock`). */
      readonly type: 'round.emergency_lock_recovered';
      readonly round_id: string;
      readonly lock_file: string;
      /** `pid N on HOST since ISO`, or `unreadable` when the lock file held no valid owner record. */
      readonly previous_owner: string;
      readonly reason: string;
    }
  | {
      readonly type: 'round.emergency_refused';
      readonly round_id: string;
      readonly reason: FinaliseRefusalReason;
      readonly message: string;
    }
  | {
      readonly type: 'round.finalised';
      readonly round_id: string;
      readonly status: RoundStatus;
      readonly results_file: string;
      readonly results_hash: string;
    };

/** A voter's row in the live progress snapshot. */
export interface VoterProgress {
  readonly id: string;
  readonly role: 'voter' | 'substitute';
  readonly status: VoterProgressStatus;
  readonly attempt: number;
  readonly substitute_for?: string;
}

/** Calls a user callback without letting it break the round. */
export function safeCall<T>(fn: ((arg: T) => void) | undefined, arg: T): void {
  if (!fn) return;
  try {
    fn(arg);
  } catch {
    // a listener that throws must not break a round
  }
}
