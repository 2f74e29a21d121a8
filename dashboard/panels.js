// @ts-check
/** Alerts, the audit log (with chain verification) and the feature flags. */
import { api } from './api.js';
import { confirmAction, el, fmtTime, replaceChildren, setText, toast } from './dom.js';

/** @param {HTMLElement} node */
export async function renderAlerts(node) {
  const { configured, active, recent } = await api('/admin/v1/alerts');
  const items = [];
  for (const a of active) {
    items.push(
      el(
        'li',
        { class: `sev-${a.severity}` },
        el('span', {
          class: `badge ${a.severity === 'critical' ? 's-failed' : 's-degraded'}`,
          text: a.severity,
        }),
        el('strong', { text: a.summary }),
        el('span', {
          class: 'time',
          text: `firing since ${fmtTime(a.firedAt)} · ${a.occurrences}×${a.escalated ? ' · escalated' : ''}`,
        }),
      ),
    );
  }
  if (items.length === 0)
    items.push(
      el('li', {
        class: 'empty-note',
        text: configured ? 'No alert is firing.' : 'Alerting is not wired to this gateway.',
      }),
    );
  for (const n of [...recent].reverse().slice(0, 15)) {
    if (n.kind === 'firing' && active.some((/** @type {any} */ a) => a.id === n.alert.id)) continue;
    items.push(
      el(
        'li',
        {},
        el('span', { class: 'time', text: fmtTime(n.at) }),
        el('span', { class: `badge ${n.kind === 'resolved' ? 's-healthy' : 's-degraded'}`, text: n.kind }),
        el('span', { text: n.alert.summary }),
      ),
    );
  }
  replaceChildren(node, items);
}

export class AuditView {
  /** @param {HTMLElement} tbody @param {HTMLInputElement} typeInput @param {HTMLElement} verdict */
  constructor(tbody, typeInput, verdict) {
    this.tbody = tbody;
    this.typeInput = typeInput;
    this.verdict = verdict;
  }

  async refresh() {
    const type = this.typeInput.value.trim();
    const q = new URLSearchParams({ order: 'desc', limit: '100' });
    if (type) q.set('type', type);
    try {
      const { records } = await api(`/admin/v1/audit?${q}`);
      const rows = records.map((/** @type {any} */ r) =>
        el(
          'tr',
          {},
          el('td', { class: 'num', text: r.seq }),
          el('td', { class: 'time', text: fmtTime(r.ts) }),
          el('td', { text: r.type }),
          el('td', { text: r.actor }),
          el('td', { text: r.reason }),
        ),
      );
      if (rows.length === 0)
        rows.push(el('tr', {}, el('td', { colspan: '5', class: 'empty-note', text: 'No records.' })));
      replaceChildren(this.tbody, rows);
    } catch (error) {
      toast(`Audit log: ${/** @type {Error} */ (error).message}`, true);
    }
  }

  async verify() {
    setText(this.verdict, 'Verifying…');
    this.verdict.className = 'verdict';
    try {
      const r = await api('/admin/v1/audit/verify');
      const head = `head seq ${r.headSeq}, hash ${String(r.headHash).slice(0, 16)}…`;
      this.verdict.className = `verdict ${r.ok ? 'ok' : 'bad'}`;
      setText(
        this.verdict,
        r.ok
          ? `Chain OK: ${r.records} records verified (${head}).`
          : `TAMPERED: ${r.defects.length}${r.truncated ? '+' : ''} defect(s) in ${r.records} records. ${r.defects
              .slice(0, 3)
              .map((/** @type {any} */ d) => `#${d.seq} ${d.kind}`)
              .join(', ')}`,
      );
    } catch (error) {
      this.verdict.className = 'verdict bad';
      setText(this.verdict, `Could not verify: ${/** @type {Error} */ (error).message}`);
    }
  }
}

/** @param {any} mode */
const describe = (mode) => (mode.mode === 'percent' ? `${mode.percent} %` : mode.mode);

export class FlagsView {
  /**
   * @param {HTMLElement} tbody
   * @param {HTMLElement} note
   * @param {{ canOperate: boolean, actor: string }} who
   */
  constructor(tbody, note, who) {
    this.tbody = tbody;
    this.who = who;
    setText(
      note,
      who.canOperate
        ? `Changes apply to every new request at once and are audited as ${who.actor}.`
        : 'Your key has read scope: it shows the flags but cannot change them (an operate or admin key can).',
    );
  }

  async refresh() {
    const { flags, configured, overrides } = await api('/admin/v1/flags');
    const rows = Object.keys(flags).map((feature) => {
      const mode = flags[feature];
      const on = mode.mode !== 'off';
      const overridden = overrides.includes(feature);
      const input = /** @type {HTMLInputElement} */ (
        el('input', {
          type: 'checkbox',
          role: 'switch',
          id: `flag-${feature}`,
          checked: on,
          disabled: !this.who.canOperate,
          'aria-describedby': 'flags-note',
        })
      );
      input.addEventListener('change', () => void this.toggle(feature, input, on));
      const reset = overridden
        ? el('button', {
            type: 'button',
            class: 'ghost small',
            disabled: !this.who.canOperate,
            'aria-label': `Reset ${feature} to its configured mode`,
            text: 'Reset',
            onclick: () => void this.reset(feature, describe(configured[feature])),
          })
        : el('span', { class: 'note', text: 'none' });
      return el(
        'tr',
        { 'data-flag': feature },
        el('th', { scope: 'row', text: feature }),
        el('td', { text: describe(mode) }),
        el('td', { text: describe(configured[feature]) }),
        el(
          'td',
          {},
          el(
            'span',
            { class: 'switch' },
            input,
            el('label', { for: `flag-${feature}`, text: `${feature} ${on ? 'on' : 'off'}` }),
          ),
        ),
        el('td', {}, reset),
      );
    });
    replaceChildren(this.tbody, rows);
  }

  /** @param {string} feature @param {HTMLInputElement} input @param {boolean} wasOn */
  async toggle(feature, input, wasOn) {
    const to = wasOn ? 'off' : 'on';
    const ok = await confirmAction(
      `Turn ${feature} ${to} for every request? The change is audited as ${this.who.actor}.`,
      `Turn ${to}`,
    );
    if (!ok) {
      input.checked = wasOn;
      return;
    }
    try {
      await api(`/admin/v1/flags/${feature}`, { method: 'PUT', body: { mode: to } });
      toast(`${feature} is ${to}`);
    } catch (error) {
      input.checked = wasOn;
      toast(`Refused: ${/** @type {Error} */ (error).message}`, true);
    }
    await this.refresh();
  }

  /** @param {string} feature @param {string} configured */
  async reset(feature, configured) {
    if (
      !(await confirmAction(
        `Drop the runtime override of ${feature}? It goes back to its configured mode (${configured}).`,
        'Reset',
      ))
    )
      return;
    try {
      await api(`/admin/v1/flags/${feature}`, { method: 'DELETE' });
      toast(`${feature} is back to ${configured}`);
    } catch (error) {
      toast(`Refused: ${/** @type {Error} */ (error).message}`, true);
    }
    await this.refresh();
  }
}
