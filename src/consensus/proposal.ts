/**
 * `proposals.json`: the ballot of a minutes folder. Parsing is tolerant of the shapes found in the
 * CMMV-Hive repository: a bare array of proposals, or an object with a `proposals` array; ids written as
 * `056`, `P056` or `56` all normalise to `056`.
 * @packageDocumentation
 */
import { z } from 'zod';
import { describeIssues } from './field-errors.js';

/**
 * Normalises a proposal id: strips a leading `P`/`p` and pads purely numeric ids to three digits, so
 * `P056`, `056`, `56` and the number `56` all become `056`. Other ids are kept verbatim (trimmed).
 */
export function normaliseProposalId(id: string | number): string {
  let text = String(id).trim();
  if (/^[Pp]-?\d+$/.test(text)) text = text.replace(/^[Pp]-?/, '');
  if (/^\d+$/.test(text)) return text.padStart(3, '0');
  return text;
}

/** Threshold category of a proposal. */
export type ProposalCategory = 'standard' | 'governance-critical' | 'infrastructure';

/** Maps free-form category names (`Governance`, `critical`, `infra`…) onto a {@link ProposalCategory}. */
export function normaliseCategory(raw: string | undefined): ProposalCategory {
  const text = (raw ?? '').toLowerCase();
  if (text.includes('governance') || text.includes('critical') || text.includes('security')) {
    return 'governance-critical';
  }
  if (text.includes('infra')) return 'infrastructure';
  return 'standard';
}

/** A proposal on the ballot, after normalisation. */
export interface Proposal {
  /** Normalised id (`056`). */
  readonly id: string;
  readonly title: string;
  /** A short summary shown to voters, when the file has one. */
  readonly summary?: string;
  readonly category: ProposalCategory;
  /** Per-proposal approval threshold in percent (0–100), overriding the category default. */
  readonly threshold?: number;
}

const idSchema = z.union([z.string().min(1, 'must be a non-empty id'), z.number().int().nonnegative()]);

const rawProposalSchema = z
  .object({
    id: idSchema.optional(),
    proposal_id: idSchema.optional(),
    title: z.string().min(1, 'must be a non-empty string').optional(),
    name: z.string().optional(),
    summary: z.string().optional(),
    abstract: z.string().optional(),
    description: z.string().optional(),
    category: z.string().optional(),
    type: z.string().optional(),
    threshold: z.number().min(0, 'must be 0–100').max(100, 'must be 0–100').optional(),
  })
  .refine((p) => p.id !== undefined || p.proposal_id !== undefined, {
    message: 'id is required',
    path: ['id'],
  });

const proposalsFileSchema = z.union([
  z.array(rawProposalSchema),
  z.object({ minute_id: z.string().optional(), proposals: z.array(rawProposalSchema) }),
]);

/** The parsed ballot. */
export interface ProposalSet {
  readonly minuteId?: string;
  readonly proposals: readonly Proposal[];
}

/** Result of parsing: the ballot or field-named errors. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** Parses the JSON value of a `proposals.json` file. */
export function parseProposals(json: unknown): ParseResult<ProposalSet> {
  const parsed = proposalsFileSchema.safeParse(json);
  if (!parsed.success) return { ok: false, errors: describeIssues(parsed.error) };
  const list = Array.isArray(parsed.data) ? parsed.data : parsed.data.proposals;
  const minuteId = Array.isArray(parsed.data) ? undefined : parsed.data.minute_id;
  const seen = new Set<string>();
  const errors: string[] = [];
  const proposals: Proposal[] = [];
  list.forEach((raw, i) => {
    const id = normaliseProposalId((raw.id ?? raw.proposal_id)!);
    if (seen.has(id)) errors.push(`proposals[${i}].id: duplicate proposal id ${id}`);
    seen.add(id);
    const summary = raw.summary ?? raw.abstract ?? raw.description;
    proposals.push({
      id,
      title: raw.title ?? raw.name ?? `Proposal ${id}`,
      ...(summary !== undefined ? { summary } : {}),
      category: normaliseCategory(raw.category ?? raw.type),
      ...(raw.threshold !== undefined ? { threshold: raw.threshold } : {}),
    });
  });
  if (proposals.length === 0) errors.push('proposals: the ballot has no proposals');
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { ...(minuteId !== undefined ? { minuteId } : {}), proposals } };
}
