/**
 * Re-tallying CMMV-Hive's own published results (minutes 0001–0005 of hivellm/gov): the vote files of the
 * chain are re-tallied (weighted `weights` files: sum, count and mean × 10 per proposal; SUPPORT/REJECT
 * `proposals` files: support count over votes) and compared with every published figure found in
 * `results.json` (`results[]`, or `approved[]`/`rejected[]`), `final_report.json` and `report.json`
 * (`proposals[]` with `supportScore`/`supportPercentage`, or `results[]` with `total_weight`,
 * `vote_count`, `average_weight`, `percentage`). A published status is checked against the thresholds
 * published in `results.json` (`voting_summary`) where they name the proposal's threshold unambiguously.
 * Published rows are matched to proposals by title (via `proposals.json`) when a title is known, else by
 * normalised id: minutes 0002 renumbered its proposals, so ids alone would pair the wrong ones.
 * @packageDocumentation
 */
import { normaliseProposalId } from './proposal.js';
import { parseJson, type TallyRecheckInput } from './tally-recheck.js';
import type { ChainDefect } from './verify-report.js';

/** The published result files looked for, in this order. */
export const PUBLISHED_RESULT_FILES = ['results.json', 'final_report.json', 'report.json'] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const idOf = (r: Obj): string | undefined => {
  const id = r.proposal_id ?? r.id ?? r.temp_id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
};

interface Tallied {
  /** Weighted: votes that weighted it and their sum. Support: votes and SUPPORTs. */
  n: number;
  sum: number;
  support: number;
}

interface PublishedRow {
  readonly file: string;
  readonly id: string;
  readonly title?: string;
  readonly row: Obj;
}

/** Tolerance of a published number: half a unit of its last decimal. */
function tolerance(value: number): number {
  const text = String(value);
  const decimals = text.includes('.') ? text.length - text.indexOf('.') - 1 : 0;
  return 0.5 * 10 ** -decimals + 1e-9;
}

function titleKey(title: string): string {
  return title
    .toLowerCase()
    .replace(/^\s*p?-?\d+\s*[-–:]\s*/, '')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function rowsOf(file: string, json: unknown): PublishedRow[] {
  if (!isObj(json)) return [];
  const lists: Array<[unknown, string | undefined]> = [
    [json.results, undefined],
    [json.proposals, undefined],
    [json.approved, 'approved'],
    [json.rejected, 'rejected'],
  ];
  const rows: PublishedRow[] = [];
  for (const [list, status] of lists) {
    if (!Array.isArray(list)) continue;
    for (const r of list) {
      if (!isObj(r)) continue;
      const id = idOf(r);
      if (id === undefined) continue;
      const row = status && r.status === undefined ? { ...r, status } : r;
      rows.push({ file, id, ...(typeof r.title === 'string' ? { title: r.title } : {}), row });
    }
  }
  return rows;
}

/** Per-proposal thresholds published in `results.json`'s `voting_summary` (percent). */
function thresholdFor(summary: unknown, id: string, category: string | undefined): number | undefined {
  if (!isObj(summary) || typeof summary.approval_threshold !== 'number') return undefined;
  const special = isObj(summary.special_thresholds) ? summary.special_thresholds : {};
  const byId = Object.entries(special).find(([k]) => /^\d+$/.test(k) && normaliseProposalId(k) === id);
  if (byId) return typeof byId[1] === 'number' ? byId[1] : undefined;
  const cat = (category ?? '').toLowerCase();
  const matching = Object.entries(special).filter(([k]) => {
    const word = k
      .replace(/_proposals$/, '')
      .replace(/_/g, ' ')
      .toLowerCase();
    return !/^\d+$/.test(k) && word !== '' && cat.includes(word);
  });
  if (matching.length > 1) return undefined; // ambiguous: not checked
  const value = matching[0]?.[1] ?? summary.approval_threshold;
  return typeof value === 'number' ? value : undefined;
}

/**
 * Re-tallies the chain's vote files and compares them with CMMV-Hive's published result files. Appends
 * `tally_mismatch` (and `invalid_vote_file`) defects; returns the files compared (empty, with a note,
 * when there is nothing to compare).
 */
export async function recheckPublishedResults(
  input: TallyRecheckInput,
  defects: ChainDefect[],
  notes: string[],
): Promise<string[]> {
  const tally = new Map<string, Tallied>();
  let mode: 'weighted' | 'support' | undefined;
  for (const { block, kind, bytes } of input.blocks) {
    if (kind !== 'vote' || !bytes) continue;
    const json = parseJson(bytes);
    const weights = isObj(json) && Array.isArray(json.weights) ? json.weights : undefined;
    const supports = isObj(json) && Array.isArray(json.proposals) ? json.proposals : undefined;
    const list = weights ?? supports;
    const fileMode = weights ? 'weighted' : 'support';
    const bad = (why: string) =>
      defects.push({ kind: 'invalid_vote_file', block: block.index, message: `${block.vote_file}: ${why}` });
    if (!list) {
      bad('neither a "weights" nor a "proposals" array');
      continue;
    }
    if (mode && mode !== fileMode) {
      bad(`a ${fileMode} vote in a round of ${mode} votes`);
      continue;
    }
    mode = fileMode;
    list.forEach((w, i) => {
      const id = isObj(w) ? idOf(w) : undefined;
      const value = isObj(w) ? (weights ? w.weight : w.vote) : undefined;
      const ok = weights ? typeof value === 'number' && Number.isFinite(value) : typeof value === 'string';
      if (id === undefined || !ok) {
        bad(
          `${weights ? 'weights' : 'proposals'}[${i}] has no readable id and ${weights ? 'weight' : 'vote'}`,
        );
        return;
      }
      const t = tally.get(normaliseProposalId(id)) ?? { n: 0, sum: 0, support: 0 };
      t.n++;
      if (weights) t.sum += value as number;
      else if (String(value).toUpperCase() === 'SUPPORT') t.support++;
      tally.set(normaliseProposalId(id), t);
    });
  }

  const published: PublishedRow[] = [];
  const files: string[] = [];
  let summary: unknown;
  for (const file of PUBLISHED_RESULT_FILES) {
    const bytes = await input.readBytes(file);
    if (!bytes) continue;
    const json = parseJson(bytes);
    const rows = rowsOf(file, json);
    if (rows.length === 0) continue;
    if (file === 'results.json' && isObj(json)) summary = json.voting_summary;
    files.push(file);
    published.push(...rows);
  }
  if (files.length === 0 || !mode) {
    notes.push(
      files.length === 0
        ? 'no results file in a known format (results.json, final_report.json, report.json): votes not re-tallied'
        : 'no readable vote file: votes not re-tallied',
    );
    return [];
  }

  const proposalsJson = parseJson((await input.readBytes('proposals.json')) ?? Buffer.from(''));
  const list = Array.isArray(proposalsJson)
    ? proposalsJson
    : isObj(proposalsJson)
      ? proposalsJson.proposals
      : [];
  const ballot = (Array.isArray(list) ? list : []).filter(isObj).flatMap((p) => {
    const id = idOf(p);
    return id === undefined
      ? []
      : [
          {
            id: normaliseProposalId(id),
            title: typeof p.title === 'string' ? titleKey(p.title) : '',
            category: typeof p.category === 'string' ? p.category : undefined,
          },
        ];
  });
  const titleById = new Map<string, string>();
  for (const r of published) if (r.title && !titleById.has(r.id)) titleById.set(r.id, r.title);
  const resolve = (r: PublishedRow): string | undefined => {
    const title = r.title ?? titleById.get(r.id);
    if (title && titleKey(title).length >= 8) {
      const key = titleKey(title);
      const hits = ballot.filter(
        (p) => p.title.length >= 8 && (p.title.startsWith(key) || key.startsWith(p.title)),
      );
      if (hits.length === 1) return hits[0]!.id;
    }
    const id = normaliseProposalId(r.id);
    return tally.has(id) ? id : undefined;
  };

  for (const r of published) {
    const id = resolve(r);
    const where = `${r.file} ${r.id}`;
    if (id === undefined) {
      defects.push({
        kind: 'tally_mismatch',
        proposal: r.id,
        message: `${where}: no vote weighs this proposal`,
      });
      continue;
    }
    const t = tally.get(id) ?? { n: 0, sum: 0, support: 0 };
    const pct = t.n === 0 ? 0 : mode === 'weighted' ? (t.sum / t.n) * 10 : (t.support / t.n) * 100;
    const basis =
      mode === 'weighted' ? `sum ${t.sum} over ${t.n} vote(s)` : `${t.support} SUPPORT of ${t.n} vote(s)`;
    const diffs: string[] = [];
    const differs = (
      field: string,
      publishedValue: number,
      actual: number,
      tol = tolerance(publishedValue),
    ) => {
      if (Math.abs(publishedValue - actual) > tol) diffs.push(`${field} ${publishedValue}`);
    };
    const row = r.row;
    for (const field of ['percentage', 'supportPercentage'] as const) {
      if (typeof row[field] === 'number') differs(field, row[field], pct);
    }
    if (typeof row.score === 'number') differs('score', row.score, mode === 'weighted' ? pct : t.support);
    if (typeof row.total_weight === 'number') differs('total_weight', row.total_weight, t.sum, 0);
    if (typeof row.vote_count === 'number') differs('vote_count', row.vote_count, t.n, 0);
    if (typeof row.average_weight === 'number' && t.n > 0) {
      differs('average_weight', row.average_weight, t.sum / t.n);
    }
    if (typeof row.approval_rate === 'string' && /^\d+(\.\d+)?%$/.test(row.approval_rate)) {
      const rate = Number.parseFloat(row.approval_rate);
      if (Math.abs(rate - pct) > tolerance(rate)) diffs.push(`approval_rate ${row.approval_rate}`);
    }
    const ratio =
      typeof row.supportScore === 'string' ? /^(\d+(?:\.\d+)?)\/(\d+)$/.exec(row.supportScore) : null;
    if (ratio) {
      const [a, b] = [Number(ratio[1]), Number(ratio[2])];
      if (b > 0 && Math.abs((a / b) * 100 - pct) > tolerance(a) * (100 / b)) {
        diffs.push(`supportScore ${row.supportScore}`);
      }
    }
    if (diffs.length > 0) {
      const shown = Number.isInteger(pct) ? String(pct) : pct.toFixed(2);
      defects.push({
        kind: 'tally_mismatch',
        proposal: id,
        message: `${where}: published ${diffs.join(', ')}; re-tally ${shown}% (${basis})`,
      });
    }
    const threshold =
      mode === 'weighted' && r.file === 'results.json'
        ? thresholdFor(summary, id, ballot.find((p) => p.id === id)?.category)
        : undefined;
    if (threshold !== undefined && (row.status === 'approved' || row.status === 'rejected')) {
      const approved = pct >= threshold;
      if (approved !== (row.status === 'approved')) {
        defects.push({
          kind: 'tally_mismatch',
          proposal: id,
          message: `${where}: status published ${row.status}, but the re-tally ${pct.toFixed(1)} is ${approved ? 'at or above' : 'below'} its published threshold ${threshold}`,
        });
      }
    }
  }
  return files;
}
