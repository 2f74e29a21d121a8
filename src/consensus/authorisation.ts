/**
 * Emergency-consensus authorisation: k of n registered operators sign, with Ed25519, the canonical
 * message of a request to finalise one round under a reduced quorum.
 *
 * Canonical message (UTF-8, lines joined by `\n`, no trailing newline):
 * ```
 * hive-resilience/emergency-consensus/v2
 * round_id=<round id>
 * reduced_quorum=<integer>
 * expires_at=<ISO 8601 time>
 * nonce=<nonce>
 * minutes_sha256=<digest of the pending minutes, see minutesDigest>
 * ```
 * A request without `minutes_sha256` signs the v1 message (the same without its last line); finalising
 * refuses it, since it does not say which minutes the operators saw.
 * Signatures are base64. Public keys are accepted as SPKI PEM or as the base64 of the raw 32-byte key
 * (what {@link generateOperatorKey} produces); private keys are PKCS#8 PEM.
 * @packageDocumentation
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';
import type { ParseResult } from './proposal.js';

/** What the operators are asked to authorise. */
export interface AuthorisationRequest {
  readonly round_id: string;
  readonly reduced_quorum: number;
  readonly expires_at: string;
  readonly nonce: string;
  /**
   * What the operators authorise: the digest of the pending minutes (`emergency_pending.json` and
   * `voting_chain.json`) when the request was made; finalising refuses minutes that changed since.
   */
  readonly minutes_sha256?: string;
}

/** One operator's signature over the canonical message. */
export interface AuthorisationSignature {
  readonly signer: string;
  /** Base64 Ed25519 signature. */
  readonly signature: string;
}

/** A request plus its signatures. */
export interface Authorisation extends AuthorisationRequest {
  readonly signatures: readonly AuthorisationSignature[];
}

/** A registered operator: its name and public key. */
export interface OperatorKey {
  readonly name: string;
  /** Base64 of the raw 32-byte Ed25519 public key, or an SPKI PEM. */
  readonly publicKey: string;
}

/** A newly generated operator key pair. Keep `privateKey` secret; register `publicKey`. */
export interface OperatorKeyPair extends OperatorKey {
  /** PKCS#8 PEM. */
  readonly privateKey: string;
}

/** Why an authorisation was refused. */
export type RefusalReason = 'invalid' | 'wrong_round' | 'replayed' | 'expired' | 'forged' | 'under_signed';

/** The verdict on an authorisation. */
export type AuthorisationVerdict =
  | { readonly ok: true; readonly signers: readonly string[] }
  | { readonly ok: false; readonly reason: RefusalReason; readonly message: string };

/** The canonical message operators sign. */
export function canonicalAuthorisationMessage(request: AuthorisationRequest): string {
  const bound = request.minutes_sha256 !== undefined;
  return [
    `hive-resilience/emergency-consensus/${bound ? 'v2' : 'v1'}`,
    `round_id=${request.round_id}`,
    `reduced_quorum=${request.reduced_quorum}`,
    `expires_at=${request.expires_at}`,
    `nonce=${request.nonce}`,
    ...(bound ? [`minutes_sha256=${request.minutes_sha256}`] : []),
  ].join('\n');
}

/** The request fields of an authorisation (signatures dropped), in canonical order. */
export function requestOf(request: AuthorisationRequest): AuthorisationRequest {
  const { round_id, reduced_quorum, expires_at, nonce, minutes_sha256 } = request;
  return {
    round_id,
    reduced_quorum,
    expires_at,
    nonce,
    ...(minutes_sha256 !== undefined ? { minutes_sha256 } : {}),
  };
}

/** Generates an Ed25519 operator key: public key as base64 raw bytes, private key as PKCS#8 PEM. */
export function generateOperatorKey(name: string): OperatorKeyPair {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(String(jwk.x), 'base64url').toString('base64');
  return { name, publicKey: raw, privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString() };
}

/** Reads a public key given as SPKI PEM or base64 raw 32 bytes; `undefined` when it is neither. */
export function parsePublicKey(text: string): KeyObject | undefined {
  try {
    if (text.includes('-----BEGIN')) return createPublicKey(text);
    const raw = Buffer.from(text, 'base64');
    if (raw.length !== 32) return undefined;
    return createPublicKey({
      key: { kty: 'OKP', crv: 'Ed25519', x: raw.toString('base64url') },
      format: 'jwk',
    });
  } catch {
    return undefined;
  }
}

/**
 * Builds a request to finalise `roundId` under `reducedQuorum`, valid until `expiresAt`, with a fresh
 * random nonce unless one is given, bound to the pending minutes by `minutesSha256` (see `minutesDigest`;
 * finalising refuses an unbound request).
 */
export function createAuthorisationRequest(
  roundId: string,
  reducedQuorum: number,
  expiresAt: Date | number | string,
  nonce: string = randomBytes(16).toString('hex'),
  minutesSha256?: string,
): AuthorisationRequest {
  const expires = typeof expiresAt === 'string' ? expiresAt : new Date(expiresAt).toISOString();
  return {
    round_id: roundId,
    reduced_quorum: reducedQuorum,
    expires_at: expires,
    nonce,
    ...(minutesSha256 !== undefined ? { minutes_sha256: minutesSha256 } : {}),
  };
}

/** Signs a request as operator `name`; returns an authorisation carrying that one signature. */
export function signAuthorisation(
  request: AuthorisationRequest,
  privateKey: string | KeyObject,
  name: string,
): Authorisation {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  const signature = sign(null, Buffer.from(canonicalAuthorisationMessage(request), 'utf8'), key).toString(
    'base64',
  );
  return { ...requestOf(request), signatures: [{ signer: name, signature }] };
}

/**
 * Combines operators' separately signed authorisations of the same request into one. Refuses parts that
 * sign a different request; keeps one signature per signer.
 */
export function combineSignatures(parts: readonly Authorisation[]): ParseResult<Authorisation> {
  const first = parts[0];
  if (!first) return { ok: false, errors: ['signatures: nothing to combine'] };
  const message = canonicalAuthorisationMessage(first);
  const bySigner = new Map<string, AuthorisationSignature>();
  const errors: string[] = [];
  parts.forEach((part, i) => {
    if (canonicalAuthorisationMessage(part) !== message) {
      errors.push(`parts[${i}]: signs a different request (round, quorum, expiry or nonce differ)`);
      return;
    }
    for (const s of part.signatures) if (!bySigner.has(s.signer)) bySigner.set(s.signer, s);
  });
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { ...requestOf(first), signatures: [...bySigner.values()] } };
}

/** What {@link verifyAuthorisation} checks against. */
export interface AuthorisationCheck {
  readonly roundId: string;
  readonly operatorKeys: readonly OperatorKey[];
  /** k: distinct valid signers required. */
  readonly threshold: number;
  /** Wall-clock ms now. */
  readonly nowMs: number;
  /** True when the nonce was already used. */
  readonly nonceUsed: boolean;
}

/**
 * Verifies an authorisation. Checks, in order: shape, round, replay, expiry, every signature (an unknown
 * signer or a bad signature is `forged`), then that at least k distinct operators signed.
 */
export function verifyAuthorisation(auth: Authorisation, check: AuthorisationCheck): AuthorisationVerdict {
  const refuse = (reason: RefusalReason, message: string): AuthorisationVerdict => ({
    ok: false,
    reason,
    message,
  });
  if (!Number.isInteger(auth.reduced_quorum) || auth.reduced_quorum < 1) {
    return refuse('invalid', `reduced_quorum must be an integer >= 1 (got ${auth.reduced_quorum})`);
  }
  const expires = Date.parse(auth.expires_at);
  if (Number.isNaN(expires)) return refuse('invalid', `expires_at is not an ISO time: ${auth.expires_at}`);
  if (typeof auth.nonce !== 'string' || auth.nonce.length < 8)
    return refuse('invalid', 'nonce must be at least 8 characters');
  if (!Array.isArray(auth.signatures)) return refuse('invalid', 'signatures must be an array');
  if (auth.round_id !== check.roundId) {
    return refuse('wrong_round', `authorisation is for round ${auth.round_id}, not ${check.roundId}`);
  }
  if (check.nonceUsed) return refuse('replayed', `nonce ${auth.nonce} was already used`);
  if (expires <= check.nowMs) return refuse('expired', `authorisation expired at ${auth.expires_at}`);
  const message = Buffer.from(canonicalAuthorisationMessage(auth), 'utf8');
  const keys = new Map(check.operatorKeys.map((k) => [k.name, k.publicKey]));
  const signers = new Set<string>();
  for (const s of auth.signatures) {
    const keyText = keys.get(s.signer);
    if (keyText === undefined) return refuse('forged', `signer ${s.signer} is not a registered operator`);
    const key = parsePublicKey(keyText);
    if (!key) return refuse('forged', `operator ${s.signer} has an unreadable public key`);
    let valid = false;
    try {
      valid = verify(null, message, key, Buffer.from(s.signature, 'base64'));
    } catch {
      valid = false;
    }
    if (!valid) return refuse('forged', `signature by ${s.signer} does not verify`);
    signers.add(s.signer);
  }
  if (signers.size < check.threshold) {
    return refuse('under_signed', `${signers.size} distinct valid signer(s), ${check.threshold} required`);
  }
  return { ok: true, signers: [...signers] };
}
