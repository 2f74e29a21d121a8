/**
 * The readable `results.md` of a round.
 * @packageDocumentation
 */
import type { RoundResults, VoterRecord } from './results-format.js';

/** A table cell from untrusted text (titles, ids, model output): one line, no column breaks. */
function cell(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').replace(/\|/g, '/');
}

function voterLine(v: VoterRecord): string {
  let what: string = v.status;
  if (v.status === 'substituted') what = `substituted by ${v.substituted_by} (${v.failure})`;
  if (v.substitute_for) what = `${v.status}, substituting for ${v.substitute_for}`;
  const detail = v.detail ? ` — ${cell(v.detail)}` : '';
  return `| ${cell(v.id)} | ${cell(v.tier)} | ${v.role} | ${cell(what)} | ${v.attempts} | ${cell(v.vote_file ?? '—')}${detail} |`;
}

/** Renders results as Markdown: proposals, quorum, participation, voters, substitutions, emergency. */
export function renderResultsMarkdown(r: RoundResults): string {
  const lines: string[] = [
    `# Minutes ${r.minute_id}: results`,
    '',
    `- Round: \`${r.round_id}\``,
    `- Status: **${r.status}**`,
    `- Generated: ${r.generated_at}`,
    `- Quorum: ${r.quorum.met ? 'met' : 'not met'} — ${r.quorum.votes} votes (${r.quorum.general_votes} of ` +
      `${r.quorum.general_seats} general seats); required: ` +
      [
        r.quorum.min_votes !== null ? `${r.quorum.min_votes} votes` : null,
        r.quorum.min_general_fraction !== null
          ? `${Math.round(r.quorum.min_general_fraction * 100)} % of generals`
          : null,
      ]
        .filter(Boolean)
        .join(r.quorum.mode === 'all' ? ' and ' : ' or '),
    `- Participation: ${r.participation.voted} of ${r.participation.seats} seats voted, ` +
      `${r.participation.substitute_votes} substitute vote(s), ${r.participation.timed_out} timed out, ` +
      `${r.participation.failed} failed, ${r.participation.malformed} malformed ` +
      `(rate ${(r.participation.rate * 100).toFixed(1)} %)`,
    '',
    '## Proposals',
    '',
    '| id | title | score | threshold | votes | abstentions | vetoes (share) | status |',
    '|---|---|---:|---:|---:|---:|---:|---|',
  ];
  for (const p of r.proposals) {
    const score = p.score === null ? '—' : p.score.toFixed(2);
    lines.push(
      `| ${cell(p.id)} | ${cell(p.title)} | ${score} | ${p.threshold} | ${p.votes} | ${p.abstentions} | ` +
        `${p.vetoes} (${p.veto_share} %) | ${p.status} |`,
    );
  }
  lines.push(
    '',
    'Scores are the mean weight × 10 (2 decimals); a score at or above the threshold approves.',
    '',
  );
  lines.push(
    '## Voters',
    '',
    '| model | tier | role | status | attempts | vote file |',
    '|---|---|---|---|---:|---|',
  );
  for (const v of r.voters) lines.push(voterLine(v));
  const subs = r.voters.filter((v) => v.substitute_for && v.status === 'voted');
  lines.push('', '## Substitutions', '');
  if (subs.length === 0) lines.push('None.');
  for (const s of subs) lines.push(`- ${s.id} voted under its own id, substituting for ${s.substitute_for}.`);
  lines.push('', '## Emergency authorisation', '');
  if (!r.emergency) lines.push('None.');
  else {
    lines.push(
      `- Reduced quorum: ${r.emergency.reduced_quorum} votes`,
      `- Signed by: ${r.emergency.signers.join(', ')}`,
      `- Nonce: \`${r.emergency.nonce}\`, expires ${r.emergency.expires_at}, authorised ${r.emergency.authorised_at}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
