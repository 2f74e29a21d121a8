/**
 * The weighted vote file `votes/<model>.json` of CMMV-Hive:
 * `{ minute_id, model, timestamp, weights: [ { proposal_id, weight, comment, veto? } ] }`.
 * Integer weights 1–10, every proposal weighted, a comment for each, `veto` only with weight ≤ 2.
 * @packageDocumentation
 */
import { z } from 'zod';
import { sha256Hex } from './chain.js';
import { describeIssues } from './field-errors.js';
import { normaliseProposalId, type ParseResult, type Proposal } from './proposal.js';

/** Highest weight that may carry a veto. */
export const VETO_MAX_WEIGHT = 2;

/** One weight in a vote file. */
export interface VoteWeight {
  readonly proposal_id: string;
  readonly weight: number;
  readonly comment: string;
  /** The veto reason; present only on a veto (weight ≤ 2). */
  readonly veto?: string;
}

/** A weighted vote file, exactly the CMMV-Hive shape. */
export interface VoteFile {
  readonly minute_id: string;
  readonly model: string;
  readonly timestamp: string;
  readonly weights: readonly VoteWeight[];
}

const weightSchema = z.object({
  proposal_id: z.union([z.string().min(1, 'must be a non-empty id'), z.number().int().nonnegative()]),
  weight: z
    .number({ error: 'must be an integer from 1 to 10' })
    .int('must be an integer from 1 to 10')
    .min(1, 'must be an integer from 1 to 10')
    .max(10, 'must be an integer from 1 to 10'),
  comment: z.string({ error: 'a comment is required' }).trim().min(1, 'a comment is required'),
  veto: z.string().trim().min(1, 'a veto needs a reason').optional(),
});

/** Schema of the weights part (what a voter must answer). */
export const voteWeightsSchema = z.object({
  weights: z.array(weightSchema, { error: 'must be an array of weights' }).min(1, 'must not be empty'),
});

/** Schema of a complete vote file. */
export const voteFileSchema = voteWeightsSchema.extend({
  minute_id: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
  model: z.string({ error: 'must be a string' }).min(1, 'must not be empty'),
  timestamp: z.string({ error: 'must be an ISO timestamp' }).min(1, 'must be an ISO timestamp'),
});

/** Options for {@link checkWeights}. */
export interface WeightCheckOptions {
  /** The ballot: every weight must name one of these proposals. */
  readonly proposals: readonly Proposal[];
  /** When true (the default), every proposal must be weighted exactly once. */
  readonly requireComplete?: boolean;
}

/**
 * Validates raw weights against the schema and the ballot; normalises proposal ids. Errors name the field
 * (`weights[1].weight: must be an integer from 1 to 10`).
 */
export function checkWeights(raw: unknown, options: WeightCheckOptions): ParseResult<VoteWeight[]> {
  const parsed = voteWeightsSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
  return checkParsedWeights(parsed.data.weights, options);
}

function checkParsedWeights(
  raw: ReadonlyArray<z.infer<typeof weightSchema>>,
  options: WeightCheckOptions,
): ParseResult<VoteWeight[]> {
  const known = new Set(options.proposals.map((p) => p.id));
  const seen = new Set<string>();
  const errors: string[] = [];
  const weights: VoteWeight[] = [];
  raw.forEach((w, i) => {
    const id = normaliseProposalId(w.proposal_id);
    if (!known.has(id)) errors.push(`weights[${i}].proposal_id: unknown proposal ${id}`);
    else if (seen.has(id)) errors.push(`weights[${i}].proposal_id: proposal ${id} weighted twice`);
    seen.add(id);
    if (w.veto !== undefined && w.weight > VETO_MAX_WEIGHT) {
      errors.push(`weights[${i}].veto: a veto needs weight <= ${VETO_MAX_WEIGHT} (got ${w.weight})`);
    }
    weights.push({
      proposal_id: id,
      weight: w.weight,
      comment: w.comment,
      ...(w.veto !== undefined ? { veto: w.veto } : {}),
    });
  });
  if (options.requireComplete !== false) {
    const missing = options.proposals.filter((p) => !seen.has(p.id)).map((p) => p.id);
    if (missing.length > 0) errors.push(`weights: proposals not weighted: ${missing.join(', ')}`);
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: weights };
}

/** Parses and validates a vote file's JSON value against the ballot. */
export function parseVoteFile(json: unknown, options: WeightCheckOptions): ParseResult<VoteFile> {
  const parsed = voteFileSchema.safeParse(json);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
  const weights = checkParsedWeights(parsed.data.weights, options);
  if (!weights.ok) return weights;
  const { minute_id, model, timestamp } = parsed.data;
  return { ok: true, value: { minute_id, model, timestamp, weights: weights.value } };
}

/**
 * Serialises a vote file exactly as written to disk: keys in the CMMV-Hive order, 2-space JSON and a
 * trailing newline. The chain's `vote_file_hash` is the sha256 of these bytes.
 */
export function serialiseVoteFile(vote: VoteFile): string {
  const ordered = {
    minute_id: vote.minute_id,
    model: vote.model,
    timestamp: vote.timestamp,
    weights: vote.weights.map((w) => ({
      proposal_id: w.proposal_id,
      weight: w.weight,
      comment: w.comment,
      ...(w.veto !== undefined ? { veto: w.veto } : {}),
    })),
  };
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/**
 * The path of a model's vote file inside a minutes folder (`votes/<model>.json`). Characters outside
 * `[A-Za-z0-9._-]` (e.g. the `/` of `openai/gpt-5`) become `_` so the file stays inside `votes/`.
 * Distinct ids can give the same path (`team/alpha`, `team_alpha`): file a round's votes with
 * {@link voteFilePaths}, which keeps them apart.
 */
export function voteFilePath(model: string): string {
  const safe = model.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_');
  return `votes/${safe}.json`;
}

/**
 * A distinct vote-file path for each model id: {@link voteFilePath}, except that when two ids would share
 * a file name (compared case-insensitively, for case-insensitive file systems) every id whose name was
 * changed by the sanitising gets a suffix from the sha256 of its id (`votes/team_alpha-5d41402a.json`);
 * an id that is already a safe name keeps its plain file.
 */
export function voteFilePaths(models: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const byName = new Map<string, string[]>();
  for (const m of new Set(models)) {
    const key = voteFilePath(m).toLowerCase();
    byName.set(key, [...(byName.get(key) ?? []), m]);
  }
  const taken = new Set<string>();
  for (const [key, ids] of byName) {
    if (ids.length === 1) {
      out.set(ids[0]!, voteFilePath(ids[0]!));
      taken.add(key);
    }
  }
  for (const ids of byName.values()) {
    if (ids.length === 1) continue;
    for (const id of ids) {
      const plain = voteFilePath(id);
      const exact = `votes/${id}.json` === plain && !taken.has(plain.toLowerCase());
      let path = exact ? plain : plain.replace(/\.json$/, `-${sha256Hex(id).slice(0, 8)}.json`);
      for (let n = 2; taken.has(path.toLowerCase()); n++) path = plain.replace(/\.json$/, `-${n}.json`);
      taken.add(path.toLowerCase());
      out.set(id, path);
    }
  }
  return out;
}
