/**
 * How each consensus event is written to the audit log: type `consensus.<event type>`, actor `system`
 * except for an authorised emergency step, whose actor names the signing operators
 * (`operators:alice,bob`). Records carry ids, statuses and signer names only: never keys or signatures.
 * @packageDocumentation
 */
import type { AuditInput } from '../audit/audit-record.js';
import type { ConsensusEvent } from './events.js';

/** Prefix of every consensus audit type. */
export const CONSENSUS_AUDIT_PREFIX = 'consensus.';

/** Extra context the caller may know about an event (e.g. who claimed to sign a refused authorisation). */
export interface ConsensusAuditContext {
  /** Signer names an authorisation claimed; recorded as data on a refusal (the actor stays `system`). */
  readonly claimedSigners?: readonly string[];
}

/** The actor of an emergency step signed by `signers`. */
export function operatorsActor(signers: readonly string[]): string {
  return signers.length > 0 ? `operators:${[...signers].sort().join(',')}` : 'system';
}

/** The audit record for a consensus event (every event is audited). */
export function consensusAuditRecord(event: ConsensusEvent, context: ConsensusAuditContext = {}): AuditInput {
  const type = `${CONSENSUS_AUDIT_PREFIX}${event.type}`;
  switch (event.type) {
    case 'round.started':
      return {
        type,
        actor: 'system',
        reason: `round ${event.round_id} of minutes ${event.minute_id} started with ${event.voters.length} voter(s)`,
        data: {
          round_id: event.round_id,
          minute_id: event.minute_id,
          voters: [...event.voters],
          at: event.at,
        },
      };
    case 'voter.status':
      return {
        type,
        actor: 'system',
        reason:
          `${event.voter} is ${event.status} (attempt ${event.attempt})` +
          (event.substitute_for ? `, substituting for ${event.substitute_for}` : '') +
          (event.detail ? `: ${event.detail}` : ''),
        data: {
          round_id: event.round_id,
          voter: event.voter,
          status: event.status,
          attempt: event.attempt,
          ...(event.substitute_for ? { substitute_for: event.substitute_for } : {}),
          ...(event.detail ? { detail: event.detail } : {}),
        },
      };
    case 'round.extended':
      return {
        type,
        actor: 'system',
        reason: `round ${event.round_id} extended (${event.extension}) for ${event.voters.join(', ')}`,
        data: { round_id: event.round_id, extension: event.extension, voters: [...event.voters] },
      };
    case 'round.quorum_failed':
      return {
        type,
        actor: 'system',
        reason: `round ${event.round_id} failed its quorum with ${event.votes} vote(s)`,
        data: { round_id: event.round_id, votes: event.votes },
      };
    case 'round.emergency_pending':
      return {
        type,
        actor: 'system',
        reason:
          `round ${event.round_id} lost its quorum (${event.votes} vote(s); failed: ` +
          `${event.failed_voters.join(', ')}) and waits for an emergency authorisation`,
        data: {
          round_id: event.round_id,
          votes: event.votes,
          failed_voters: [...event.failed_voters],
          state_file: event.state_file,
        },
      };
    case 'round.emergency_authorised':
      return {
        type,
        actor: operatorsActor(event.signers),
        reason: `round ${event.round_id} authorised under reduced quorum ${event.reduced_quorum} by ${event.signers.join(', ')}`,
        data: {
          round_id: event.round_id,
          signers: [...event.signers],
          reduced_quorum: event.reduced_quorum,
          nonce: event.nonce,
        },
      };
    case 'round.emergency_lock_recovered':
      return {
        type,
        actor: 'system',
        reason: `stale lock ${event.lock_file} of ${event.previous_owner} taken over: ${event.reason}`,
        data: {
          round_id: event.round_id,
          lock_file: event.lock_file,
          previous_owner: event.previous_owner,
          reason: event.reason,
        },
      };
    case 'round.emergency_refused':
      return {
        type,
        actor: 'system',
        reason: `emergency authorisation of round ${event.round_id} refused (${event.reason}): ${event.message}`,
        data: {
          round_id: event.round_id,
          refusal: event.reason,
          message: event.message,
          ...(context.claimedSigners ? { claimed_signers: [...context.claimedSigners] } : {}),
        },
      };
    case 'round.finalised':
      return {
        type,
        actor: 'system',
        reason: `round ${event.round_id} ended ${event.status}; ${event.results_file} sha256 ${event.results_hash}`,
        data: {
          round_id: event.round_id,
          status: event.status,
          results_file: event.results_file,
          results_hash: event.results_hash,
        },
      };
  }
}
