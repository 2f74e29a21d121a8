/**
 * Governance consensus: CMMV-Hive minutes formats, the voting chain, verification, tallying, resilient
 * voting rounds and operator-authorised emergency consensus.
 * @packageDocumentation
 */

export * from './audit-events.js';
export * from './authorisation.js';
export * from './ballot.js';
export * from './chain.js';
export * from './emergency-round.js';
export * from './engine-vote-backend.js';
export * from './events.js';
export * from './field-errors.js';
export * from './minutes-writer.js';
export * from './nonce-store.js';
export * from './proposal.js';
export * from './results-format.js';
export * from './results-markdown.js';
export * from './round-options.js';
export * from './round-runner.js';
export * from './round-state.js';
export * from './rules.js';
export * from './state-lock.js';
export * from './tally.js';
export * from './verify.js';
export * from './vote-file.js';
export * from './voter-session.js';
