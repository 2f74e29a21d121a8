/**
 * The ballot a voter receives, and reading its answer back: JSON is extracted from code fences or prose,
 * `<think>` blocks are stripped, and the weights are validated against the ballot.
 * @packageDocumentation
 */
import type { ChatMessage } from '../providers/types.js';
import type { Proposal } from './proposal.js';
import { checkWeights, type VoteWeight } from './vote-file.js';

/** Builds the messages that ask `modelId` for its weighted vote. */
export function buildBallotMessages(
  minuteId: string,
  modelId: string,
  proposals: readonly Proposal[],
): ChatMessage[] {
  const list = proposals
    .map(
      (p) =>
        `- ${p.id}: ${p.title} [${p.category}]${p.summary ? `\n  ${p.summary.replace(/\s+/g, ' ').trim()}` : ''}`,
    )
    .join('\n');
  const example = {
    minute_id: minuteId,
    model: modelId,
    timestamp: '<ISO 8601 time>',
    weights: [
      { proposal_id: proposals[0]?.id ?? '001', weight: 8, comment: 'why this weight' },
      {
        proposal_id: proposals[1]?.id ?? '002',
        weight: 1,
        comment: 'why',
        veto: 'reason, only with weight <= 2',
      },
    ],
  };
  const system =
    'You are a General in a governance vote. Score every proposal with an integer weight from 1 (lowest) ' +
    'to 10 (highest) and a one-sentence comment. You may veto a proposal only with weight 1 or 2 and a ' +
    '"veto" field giving the reason. Answer ONLY with the JSON vote object: no prose, no code fences.';
  const user =
    `Minutes ${minuteId}. Proposals (${proposals.length}):\n${list}\n\n` +
    `Weight every one of these ${proposals.length} proposals exactly once. Answer with one JSON object of ` +
    `this shape:\n${JSON.stringify(example, null, 2)}`;
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
  ];
}

/** Removes `<think>…</think>` blocks (and an unterminated trailing `<think>`). */
export function stripThinking(text: string): string {
  return text.replace(/<think>[\s\S]*?<\/think>/gi, '').replace(/<think>[\s\S]*$/i, '');
}

/** Finds balanced `{…}` spans in `text` (string-aware), outermost first. */
function balancedObjects(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) out.push(text.slice(start, i + 1));
    }
  }
  return out;
}

/**
 * Extracts the first JSON object with a `weights` field from a model's answer, tolerating code fences,
 * leading or trailing prose and `<think>` blocks. Returns `undefined` when there is none (off-task).
 */
export function extractVoteJson(answer: string): Record<string, unknown> | undefined {
  const text = stripThinking(answer);
  const candidates: string[] = [];
  for (const m of text.matchAll(/```(?:json|JSON)?\s*\n?([\s\S]*?)```/g)) candidates.push(m[1]!.trim());
  candidates.push(text.trim(), ...balancedObjects(text));
  let fallback: Record<string, unknown> | undefined;
  for (const candidate of candidates) {
    let value: unknown;
    try {
      value = JSON.parse(candidate);
    } catch {
      continue;
    }
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      const obj = value as Record<string, unknown>;
      if ('weights' in obj) return obj;
      fallback ??= obj;
    }
  }
  return fallback;
}

/** How an answer was judged. */
export type AnswerVerdict =
  | { readonly ok: true; readonly weights: VoteWeight[] }
  | { readonly ok: false; readonly reason: 'off_task' | 'malformed'; readonly errors: string[] };

/**
 * Reads a voter's answer: `off_task` when it holds no JSON object at all, `malformed` when the JSON does
 * not validate (with field-named errors), otherwise the normalised weights. The answer's own
 * `minute_id`/`model`/`timestamp` are ignored: the round writes those itself (identity rule).
 */
export function readBallotAnswer(answer: string, proposals: readonly Proposal[]): AnswerVerdict {
  const json = extractVoteJson(answer);
  if (json === undefined) {
    return stripThinking(answer).includes('{')
      ? { ok: false, reason: 'malformed', errors: ['the answer holds no parseable JSON object'] }
      : { ok: false, reason: 'off_task', errors: ['the answer holds no JSON vote object'] };
  }
  const weights = checkWeights(json, { proposals, requireComplete: true });
  if (!weights.ok) return { ok: false, reason: 'malformed', errors: weights.errors };
  return { ok: true, weights: weights.value };
}
