// @ts-check
/** Voting rounds running in the gateway's process: voters, quorum bar, deadline countdown, emergency state. */
import { el, fmtTime, replaceChildren, setText } from './dom.js';

export class RoundsView {
  /** @param {HTMLElement} node */
  constructor(node) {
    this.node = node;
    /** @type {Map<string, any>} */
    this.rounds = new Map();
    this.configured = true;
    this.timer = 0;
  }

  /** @param {{ configured: boolean, rounds: any[] }} body */
  set(body) {
    this.configured = body.configured;
    this.rounds = new Map(body.rounds.map((r) => [r.roundId, r]));
    this.render();
  }

  /** @param {any} round from a `round.updated` event */
  update(round) {
    this.rounds.set(round.roundId, round);
    this.render();
  }

  render() {
    const cards = [...this.rounds.values()].reverse().map((r) => card(r));
    if (cards.length === 0)
      cards.push(
        el('p', {
          class: 'empty-note',
          text: this.configured
            ? 'No voting round has run in this gateway. Rounds show here while a program runs them on the gateway’s engine (runRound(gateway.rounds.track(options))); the `vote` command runs rounds in its own process.'
            : 'This gateway does not report voting rounds.',
        }),
      );
    replaceChildren(this.node, cards);
    const running = [...this.rounds.values()].some((r) => r.deadlineAt !== null);
    if (running && this.timer === 0) this.timer = window.setInterval(() => this.tick(), 1000);
    if (!running && this.timer !== 0) {
      clearInterval(this.timer);
      this.timer = 0;
    }
    this.tick();
  }

  tick() {
    for (const node of this.node.querySelectorAll('[data-deadline]')) {
      const left = Math.max(0, Number(/** @type {HTMLElement} */ (node).dataset.deadline) - Date.now());
      setText(node, `deadline in ${Math.ceil(left / 1000)} s`);
    }
  }
}

/** @param {any} r */
function need(r) {
  const q = r.quorum;
  const parts = [];
  if (q.minVotes !== null) parts.push(`${q.minVotes} votes`);
  if (q.minGeneralFraction !== null)
    parts.push(`${Math.round(q.minGeneralFraction * 100)} % of ${r.generalSeats} generals`);
  return parts.join(q.mode === 'all' ? ' and ' : ' or ') || '1 vote';
}

/** @param {any} r */
function card(r) {
  const target = Math.max(
    r.quorum.minVotes ?? 0,
    Math.ceil((r.quorum.minGeneralFraction ?? 0) * r.generalSeats),
    1,
  );
  const fill = el('span');
  fill.style.width = `${Math.min(100, Math.round((100 * r.votes) / target))}%`;
  const quorumText = `Quorum ${r.quorum.met ? 'met' : 'not met'}: ${r.votes} vote(s), ${r.generalVotes} from generals; needs ${need(r)}`;
  const bar = el(
    'div',
    {
      class: `bar${r.quorum.met ? ' met' : ''}`,
      role: 'progressbar',
      'aria-valuemin': '0',
      'aria-valuemax': String(target),
      'aria-valuenow': String(Math.min(r.votes, target)),
      'aria-label': quorumText,
    },
    fill,
  );
  const voters = el(
    'ul',
    { class: 'voters', 'aria-label': 'Voters' },
    ...r.voters.map((/** @type {any} */ v) =>
      el(
        'li',
        {},
        el('span', {
          text: `${v.id}${v.substituteFor ? ` (for ${v.substituteFor})` : ''}${v.general ? '' : ' ·collab'}`,
        }),
        el('span', {
          class: `badge r-${v.status}`,
          text: v.attempt > 1 ? `${v.status} #${v.attempt}` : v.status,
        }),
      ),
    ),
  );
  const e = r.emergency;
  const emergency = e
    ? el(
        'p',
        { class: 'emergency' },
        r.state === 'emergency_pending'
          ? `Emergency consensus pending: ${e.failedVoters.length} voter(s) failed (${e.failedVoters.join(', ')}); needs k-of-n operator signatures.`
          : `Emergency authorised by ${e.signers.join(', ')}.`,
        e.refused ? ` Last refusal: ${e.refused}` : '',
      )
    : null;
  return el(
    'article',
    { class: 'round', 'data-round': r.roundId },
    el(
      'header',
      {},
      el('h3', { text: `Minute ${r.minuteId}` }),
      el('span', { class: 'note', text: r.roundId }),
      el('span', { class: `badge r-${r.state}`, text: r.state.replace('_', ' ') }),
      r.extension > 0 ? el('span', { class: 'note', text: `extension ${r.extension}` }) : null,
      r.deadlineAt !== null
        ? el('span', { class: 'countdown', role: 'timer', 'data-deadline': String(r.deadlineAt) })
        : el('span', { class: 'countdown note', text: `started ${fmtTime(r.startedAt)}` }),
    ),
    el('div', { class: 'quorum' }, el('p', { class: 'note', text: quorumText }), bar),
    voters,
    emergency,
  );
}
