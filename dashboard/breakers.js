// @ts-check
/**
 * The breaker timeline (one lane per model that changed state in the last hour) and the recent fallbacks,
 * each request's hops grouped into one attempt trail. Seeded from the audit log, then live from the
 * event stream.
 */
import { api } from './api.js';
import { el, fmtTime, replaceChildren } from './dom.js';

const HOUR = 3_600_000;
const MAX_FALLBACKS = 30;

/** @typedef {{ model: string, from: string, to: string, at: number, reason: string }} Transition */
/** @typedef {{ requestId: string, target: string, at: number, hops: { from: string, reason: string }[], landed: string | null, exhausted: boolean }} Trail */

/** @param {string} state */
const norm = (state) => state.replace('-', '_');

export class BreakerTimeline {
  /** @param {HTMLElement} node */
  constructor(node) {
    this.node = node;
    /** @type {Transition[]} */
    this.transitions = [];
    /** @type {Map<string, string>} model -> current state, for lanes without transitions in the window */
    this.current = new Map();
  }

  /** Reads the last hour's transitions from the audit log. */
  async load() {
    const types = ['breaker.open', 'breaker.half_open', 'breaker.closed', 'breaker.isolated'];
    const lists = await Promise.all(
      types.map((t) => api(`/admin/v1/audit?type=${t}&order=desc&limit=500`).catch(() => ({ records: [] }))),
    );
    const since = Date.now() - HOUR;
    for (const list of lists)
      for (const r of list.records ?? []) {
        const at = Date.parse(r.ts);
        if (at >= since && r.data?.model)
          this.transitions.push({
            model: r.data.model,
            from: norm(String(r.data.from)),
            to: norm(String(r.data.to)),
            at,
            reason: String(r.data.cause ?? ''),
          });
      }
    this.transitions.sort((a, b) => a.at - b.at);
    this.render();
  }

  /** @param {any} e a `breaker.state_changed` event */
  add(e) {
    this.transitions.push({ model: e.model, from: norm(e.from), to: norm(e.to), at: e.at, reason: e.reason });
    this.render();
  }

  /** @param {any[]} breakers from `GET /admin/v1/breakers` */
  setStates(breakers) {
    for (const b of breakers) this.current.set(b.model, b.state);
  }

  render() {
    const now = Date.now();
    const since = now - HOUR;
    this.transitions = this.transitions.filter((t) => t.at >= since);
    /** @type {Map<string, Transition[]>} */
    const byModel = new Map();
    for (const t of this.transitions) byModel.set(t.model, [...(byModel.get(t.model) ?? []), t]);
    const lanes = [...byModel].map(([model, list]) => {
      const track = el('div', { class: 'track', role: 'img', 'aria-label': laneLabel(model, list) });
      let state = list[0].from;
      let start = since;
      for (const t of [...list, { at: now, to: '' }]) {
        const seg = el('div', {
          class: `seg b-${state}`,
          title: `${state.replace('_', '-')} from ${fmtTime(start)}`,
        });
        seg.style.left = `${((start - since) / HOUR) * 100}%`;
        seg.style.width = `${Math.max(0.2, ((t.at - start) / HOUR) * 100)}%`;
        track.append(seg);
        state = t.to;
        start = t.at;
      }
      const last = list[list.length - 1];
      const current = this.current.get(model) ?? last.to;
      return el(
        'div',
        { class: 'lane' },
        el('span', { text: model }),
        track,
        el(
          'span',
          { class: 'now' },
          el('span', { class: `badge b-${current}`, text: current.replace('_', '-') }),
          ` since ${fmtTime(last.at)}`,
        ),
      );
    });
    if (lanes.length === 0) {
      const open = [...this.current].filter(([, s]) => s !== 'closed').map(([m, s]) => `${m} (${s})`);
      lanes.push(
        el('p', {
          class: 'empty-note',
          text: `No breaker changed state in the last hour.${open.length ? ` Not closed: ${open.join(', ')}.` : ' Every breaker is closed.'}`,
        }),
      );
    }
    const ticks = el(
      'div',
      { class: 'ticks' },
      ...['-60 min', '-45', '-30', '-15', 'now'].map((t) => el('span', { text: t })),
    );
    const legend = el(
      'div',
      { class: 'legend' },
      ...['closed', 'half_open', 'open', 'isolated'].map((s) =>
        el('span', {}, el('span', { class: `swatch b-${s}`, 'aria-hidden': 'true' }), s.replace('_', '-')),
      ),
    );
    replaceChildren(this.node, [
      ...lanes,
      el('div', { class: 'axis' }, el('span'), ticks, el('span')),
      legend,
    ]);
  }
}

/** @param {string} model @param {Transition[]} list */
function laneLabel(model, list) {
  const last = list[list.length - 1];
  return `${model}: ${list.length} transition(s) in the last hour, last to ${last.to.replace('_', '-')} at ${fmtTime(last.at)} (${last.reason})`;
}

export class FallbackList {
  /** @param {HTMLElement} node */
  constructor(node) {
    this.node = node;
    /** @type {Map<string, Trail>} */
    this.trails = new Map();
    this.frame = 0;
  }

  /** Seeds from the audit log's fallback, substitution and exhaustion records. */
  async load() {
    const types = ['request.fallback', 'request.substitution', 'request.exhausted'];
    const lists = await Promise.all(
      types.map((t) =>
        api(`/admin/v1/audit?type=${t}&order=desc&limit=${MAX_FALLBACKS}`).catch(() => ({ records: [] })),
      ),
    );
    const records = lists.flatMap((l) => l.records ?? []).sort((a, b) => a.seq - b.seq);
    for (const r of records) {
      const d = r.data ?? {};
      if (r.type === 'request.exhausted')
        this.exhausted({
          requestId: d.requestId,
          target: d.target,
          trail: d.trail ?? [],
          at: Date.parse(r.ts),
        });
      else
        this.fallback({
          requestId: d.requestId,
          target: d.target,
          from: d.from,
          to: d.to,
          reason: d.cause,
          at: Date.parse(r.ts),
        });
    }
  }

  /** @param {any} e a `request.fallback` event */
  fallback(e) {
    const t = this.trail(e.requestId, e.target, e.at);
    t.hops.push({ from: e.from, reason: e.reason });
    t.landed = e.to;
    this.schedule();
  }

  /** @param {any} e a `request.exhausted` event */
  exhausted(e) {
    const t = this.trail(e.requestId, e.target, e.at);
    t.hops = (e.trail ?? []).map((/** @type {any} */ a) => ({ from: a.model, reason: a.note ?? a.kind }));
    t.landed = null;
    t.exhausted = true;
    this.schedule();
  }

  /** @param {string} requestId @param {string} target @param {number} at */
  trail(requestId, target, at) {
    let t = this.trails.get(requestId);
    if (!t) {
      t = { requestId, target, at, hops: [], landed: null, exhausted: false };
      this.trails.set(requestId, t);
      while (this.trails.size > MAX_FALLBACKS)
        this.trails.delete(/** @type {string} */ (this.trails.keys().next().value));
    }
    return t;
  }

  schedule() {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.render());
  }

  render() {
    this.frame = 0;
    const items = [...this.trails.values()].reverse().map((t) => {
      const parts = [];
      for (const hop of t.hops) {
        parts.push(
          el(
            'span',
            { class: 'hop' },
            el('strong', { text: hop.from }),
            ' ',
            el('span', { class: 'why', text: `(${hop.reason})` }),
          ),
        );
        parts.push(el('span', { class: 'arrow', 'aria-hidden': 'true', text: '→' }));
      }
      parts.push(
        t.exhausted
          ? el('span', { class: 'badge s-failed', text: 'every candidate failed' })
          : el('strong', { text: t.landed ?? '?' }),
      );
      return el(
        'li',
        { 'data-request': t.requestId },
        el('span', { class: 'time', text: fmtTime(t.at) }),
        el('span', { class: 'target', text: t.target }),
        el('span', { class: 'trail', 'aria-label': `attempt trail for ${t.target}` }, ...parts),
      );
    });
    if (items.length === 0) items.push(el('li', { class: 'empty-note', text: 'No fallback yet.' }));
    replaceChildren(this.node, items);
  }
}
