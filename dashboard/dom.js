// @ts-check
/** DOM and formatting helpers. Nothing here writes a `style` attribute: the page's CSP forbids inline styles. */

/**
 * Creates an element. `attrs`: `class`, `text`, `on<event>` handlers, booleans as present/absent attributes,
 * anything else as an attribute.
 * @param {string} tag
 * @param {Record<string, unknown>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = String(v);
    else if (k === 'text') node.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function')
      node.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** Sets text only when it changed (no layout work otherwise). @param {Node} node @param {string} text */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Replaces an element's children. @param {Element} parent @param {Node[]} children */
export function replaceChildren(parent, children) {
  parent.replaceChildren(...children);
}

/** @param {number | null | undefined} ms */
export function fmtMs(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms >= 10_000) return `${(ms / 1000).toFixed(0)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.round(ms)} ms`;
}

/** @param {number | null | undefined} ratio 0..1 */
export function fmtPct(ratio) {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '–';
  const p = ratio * 100;
  return `${p >= 10 || p === 0 ? p.toFixed(0) : p.toFixed(1)} %`;
}

/** @param {number | null | undefined} n */
export function fmtRate(n) {
  if (n === null || n === undefined || !Number.isFinite(n)) return '–';
  return n >= 10 ? n.toFixed(0) : n.toFixed(2);
}

/** Local wall-clock time of a ms timestamp or ISO string. @param {number | string} t */
export function fmtTime(t) {
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? String(t) : d.toLocaleTimeString([], { hour12: false });
}

/** Shows a short message in the corner for a few seconds. @param {string} text @param {boolean} [bad] */
export function toast(text, bad = false) {
  const node = /** @type {HTMLElement} */ (document.getElementById('toast'));
  node.textContent = text;
  node.classList.toggle('bad', bad);
  clearTimeout(Number(node.dataset.timer));
  node.dataset.timer = String(setTimeout(() => setText(node, ''), 5000));
}

/**
 * Asks for confirmation in the page's modal dialog; resolves true on Confirm, false on Cancel or Escape.
 * @param {string} text
 * @param {string} [confirmLabel]
 * @returns {Promise<boolean>}
 */
export function confirmAction(text, confirmLabel = 'Confirm') {
  const dialog = /** @type {HTMLDialogElement} */ (document.getElementById('confirm'));
  const ok = /** @type {HTMLButtonElement} */ (document.getElementById('confirm-ok'));
  const cancel = /** @type {HTMLButtonElement} */ (document.getElementById('confirm-cancel'));
  setText(/** @type {HTMLElement} */ (document.getElementById('confirm-text')), text);
  ok.textContent = confirmLabel;
  const opener = document.activeElement;
  return new Promise((resolve) => {
    /** @param {boolean} answer */
    const done = (answer) => {
      ok.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      dialog.removeEventListener('close', no);
      if (dialog.open) dialog.close();
      if (opener instanceof HTMLElement) opener.focus();
      resolve(answer);
    };
    const yes = () => done(true);
    const no = () => done(false);
    ok.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    dialog.addEventListener('close', no);
    dialog.showModal();
    cancel.focus();
  });
}
