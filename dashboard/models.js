// @ts-check
/**
 * The model table. Figures arrive from the JSON API every second and breaker/health changes from the event
 * stream at once; both only mark rows dirty, and one requestAnimationFrame pass writes the cells whose text
 * changed. With 36 models updating every second that is a few dozen text writes per frame at most.
 */
import { el, fmtMs, fmtPct, fmtRate, setText } from './dom.js';

const COLUMNS = [
  'status',
  'breaker',
  'p50',
  'p95',
  'ttft',
  'errors',
  'availability',
  'accuracy',
  'score',
  'rps',
];

/**
 * @typedef {{ status?: string, breaker?: string, health?: any }} ModelState
 * @typedef {{ tr: HTMLTableRowElement, cells: Record<string, HTMLElement>, bar: HTMLElement, action: HTMLButtonElement | null, shown: Record<string, string> }} Row
 */

export class ModelTable {
  /**
   * @param {HTMLElement} tbody
   * @param {{ canOperate: boolean, onIsolate: (model: string, isolate: boolean) => void }} options
   */
  constructor(tbody, options) {
    this.tbody = tbody;
    this.options = options;
    /** @type {Map<string, ModelState>} */
    this.state = new Map();
    /** @type {Map<string, Row>} */
    this.rows = new Map();
    /** @type {Set<string>} */
    this.dirty = new Set();
    this.frame = 0;
  }

  /** Figures from `GET /admin/v1/health`. @param {any[]} list */
  setHealth(list) {
    const seen = new Set();
    for (const h of list) {
      seen.add(h.model);
      const s = this.entry(h.model);
      s.health = h;
      s.status = h.status;
      this.dirty.add(h.model);
    }
    for (const id of this.state.keys()) if (!seen.has(id)) this.remove(id);
    this.schedule();
  }

  /** States from `GET /admin/v1/breakers`. @param {any[]} list */
  setBreakers(list) {
    for (const b of list) this.setBreaker(b.model, b.state);
  }

  /** @param {string} model @param {string} state a breaker state (`half-open` is shown as `half_open`) */
  setBreaker(model, state) {
    const s = this.entry(model);
    const name = state.replace('-', '_');
    if (s.breaker !== name) {
      s.breaker = name;
      this.dirty.add(model);
      this.schedule();
    }
  }

  /** @param {string} model @param {string} status */
  setStatus(model, status) {
    const s = this.entry(model);
    if (s.status !== status) {
      s.status = status;
      this.dirty.add(model);
      this.schedule();
    }
  }

  /** @param {string} model */
  entry(model) {
    let s = this.state.get(model);
    if (!s) {
      s = {};
      this.state.set(model, s);
    }
    return s;
  }

  /** @param {string} model */
  remove(model) {
    this.state.delete(model);
    this.rows.get(model)?.tr.remove();
    this.rows.delete(model);
  }

  schedule() {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    for (const model of this.dirty) {
      const s = this.state.get(model);
      if (s) this.render(model, s);
    }
    this.dirty.clear();
  }

  /** @param {string} model @param {ModelState} s */
  render(model, s) {
    const row = this.rows.get(model) ?? this.create(model);
    const h = s.health ?? {};
    /** @type {Record<string, string>} */
    const text = {
      status: s.status ?? '…',
      breaker: (s.breaker ?? '…').replace('_', '-'),
      p50: fmtMs(h.latencyP50Ms),
      p95: fmtMs(h.latencyP95Ms),
      ttft: fmtMs(h.ttftP50Ms),
      errors: fmtPct(h.errorRate),
      availability: fmtPct(h.availability),
      accuracy: fmtPct(h.accuracy),
      score: typeof h.score === 'number' ? h.score.toFixed(2) : '–',
      rps: fmtRate(h.requestsPerSecond),
    };
    let changedState = false;
    for (const c of COLUMNS) {
      if (row.shown[c] === text[c]) continue;
      row.shown[c] = text[c];
      setText(row.cells[c], text[c]);
      if (c === 'status' || c === 'breaker') changedState = true;
    }
    if (changedState) {
      row.tr.dataset.status = s.status ?? '';
      row.tr.dataset.breaker = s.breaker ?? '';
      row.cells.status.className = `badge s-${s.status}`;
      row.cells.breaker.className = `badge b-${s.breaker}`;
      row.tr.classList.remove('changed');
      void row.tr.offsetWidth; // restart the highlight animation
      row.tr.classList.add('changed');
    }
    if (typeof h.score === 'number') row.bar.style.width = `${Math.round(h.score * 100)}%`;
    if (row.action) {
      const isolated = s.breaker === 'isolated';
      const label = isolated ? 'Release' : 'Isolate';
      if (row.action.textContent !== label) {
        row.action.textContent = label;
        row.action.setAttribute('aria-label', `${label} ${model}`);
      }
    }
  }

  /** @param {string} model @returns {Row} */
  create(model) {
    /** @type {Record<string, HTMLElement>} */
    const cells = {};
    const tr = /** @type {HTMLTableRowElement} */ (el('tr', { 'data-model': model }));
    tr.append(el('th', { scope: 'row', text: model }));
    const bar = el('span');
    for (const c of COLUMNS) {
      const span = el('span');
      cells[c] = span;
      if (c === 'score')
        tr.append(
          el('td', { class: 'num' }, span, el('span', { class: 'score', 'aria-hidden': 'true' }, bar)),
        );
      else tr.append(el('td', { class: c === 'status' || c === 'breaker' ? '' : 'num' }, span));
    }
    /** @type {HTMLButtonElement | null} */
    let action = null;
    if (this.options.canOperate) {
      action = /** @type {HTMLButtonElement} */ (
        el('button', {
          type: 'button',
          class: 'ghost small',
          'aria-label': `Isolate ${model}`,
          text: 'Isolate',
          onclick: () => this.options.onIsolate(model, this.state.get(model)?.breaker !== 'isolated'),
        })
      );
      tr.append(el('td', {}, action));
    } else tr.append(el('td', { class: 'note', text: 'read only' }));
    this.tbody.append(tr);
    const row = { tr, cells, bar, action, shown: {} };
    this.rows.set(model, row);
    return row;
  }
}
