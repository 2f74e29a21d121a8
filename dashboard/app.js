// @ts-check
/**
 * The dashboard's entry: sign-in, the key's scope, the views (tabs) and the live wiring. Figures come from
 * the admin JSON API (models every second, the timeline every 10 s); changes come from the event stream.
 */
import { ApiError, api, followEvents, session } from './api.js';
import { BreakerTimeline, FallbackList } from './breakers.js';
import { confirmAction, el, setText, toast } from './dom.js';
import { ModelTable } from './models.js';
import { AuditView, FlagsView, renderAlerts } from './panels.js';
import { RoundsView } from './rounds.js';

const STREAM_TYPES = [
  'breaker.state_changed',
  'health.status_changed',
  'request.fallback',
  'request.exhausted',
  'flag.changed',
  'admin.action',
  'alert.notified',
  'round.updated',
];

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {(() => void)[]} */
let stops = [];

async function signIn(/** @type {string} */ key) {
  return api('/admin/v1/session', { key });
}

function showSignIn(/** @type {string} */ message = '') {
  for (const stop of stops) stop();
  stops = [];
  $('app').hidden = true;
  $('sign-in-view').hidden = false;
  $('who').hidden = true;
  $('sign-out').hidden = true;
  setText($('conn'), 'signed out');
  $('conn').className = 'conn';
  setText($('sign-in-error'), message);
  /** @type {HTMLInputElement} */ ($('key')).value = '';
  $('key').focus();
}

$('sign-in').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('key'));
  const key = input.value.trim();
  if (!key) {
    setText($('sign-in-error'), 'Enter an admin key.');
    return;
  }
  try {
    const who = await signIn(key);
    session.save(key);
    input.value = '';
    start(who);
  } catch (error) {
    const e = /** @type {ApiError} */ (error);
    setText(
      $('sign-in-error'),
      e.status === 401
        ? 'That key was refused.'
        : e.status === 429
          ? e.message
          : `Could not sign in: ${e.message}`,
    );
  }
});

$('sign-out').addEventListener('click', () => {
  session.clear();
  showSignIn();
});

/** Tabs: arrow keys move between them, Home/End jump (WAI-ARIA tabs pattern). */
function setupTabs(/** @type {(id: string) => void} */ onShow) {
  const tabs = /** @type {HTMLButtonElement[]} */ ([...document.querySelectorAll('[role="tab"]')]);
  const select = (/** @type {HTMLButtonElement} */ tab, focus = true) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      $(/** @type {string} */ (t.getAttribute('aria-controls'))).hidden = !on;
    }
    if (focus) tab.focus();
    onShow(/** @type {string} */ (tab.getAttribute('aria-controls')));
  };
  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab));
    tab.addEventListener('keydown', (event) => {
      const i = tabs.indexOf(tab);
      const next =
        event.key === 'ArrowRight'
          ? tabs[(i + 1) % tabs.length]
          : event.key === 'ArrowLeft'
            ? tabs[(i - 1 + tabs.length) % tabs.length]
            : event.key === 'Home'
              ? tabs[0]
              : event.key === 'End'
                ? tabs[tabs.length - 1]
                : undefined;
      if (next) {
        event.preventDefault();
        select(next);
      }
    });
  }
}

/** Runs `fn` now and every `ms` while signed in (skipped while the tab is hidden). */
function every(/** @type {number} */ ms, /** @type {() => Promise<unknown>} */ fn) {
  let busy = false;
  const run = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      await fn();
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) showSignIn('The key is no longer accepted.');
    } finally {
      busy = false;
    }
  };
  void run();
  const id = setInterval(run, ms);
  stops.push(() => clearInterval(id));
}

/** @param {{ name: string, scope: 'read' | 'operate' | 'admin' }} who */
function start(who) {
  const canOperate = who.scope === 'operate' || who.scope === 'admin';
  const actor = `admin:${who.name}`;
  $('sign-in-view').hidden = true;
  $('app').hidden = false;
  $('who').hidden = false;
  $('sign-out').hidden = false;
  $('who').replaceChildren(`${who.name}`, el('span', { class: 'scope', text: who.scope }));
  document.body.dataset.scope = who.scope;

  const tbody = $('models');
  tbody.replaceChildren();
  const models = new ModelTable(tbody, {
    canOperate,
    onIsolate: async (model, isolate) => {
      const verb = isolate ? 'isolate' : 'release';
      const text = isolate
        ? `Isolate ${model}? Its breaker is forced open and requests go to its fallbacks until released. Audited as ${actor}.`
        : `Release ${model}? Its breaker closes and it takes requests again. Audited as ${actor}.`;
      if (!(await confirmAction(text, isolate ? 'Isolate' : 'Release'))) return;
      try {
        await api(`/admin/v1/breakers/${encodeURIComponent(model)}/${verb}`, { method: 'POST' });
      } catch (error) {
        toast(`Refused: ${/** @type {Error} */ (error).message}`, true);
      }
    },
  });
  const breakers = new BreakerTimeline($('breaker-timeline'));
  const fallbacks = new FallbackList($('fallbacks'));
  const audit = new AuditView(
    $('audit'),
    /** @type {HTMLInputElement} */ ($('audit-type')),
    $('audit-verdict'),
  );
  const flags = new FlagsView($('flags'), $('flags-note'), { canOperate, actor });
  const rounds = new RoundsView($('rounds'));
  /** @type {import('./charts.js').TimelineCharts | undefined} */
  let charts;
  /** @type {any[]} */
  let points = [];
  const chartsReady = import('./charts.js').then(
    (m) => {
      charts = new m.TimelineCharts();
      charts.update(points);
    },
    () => {
      for (const id of ['chart-latency', 'chart-errors', 'chart-fallbacks'])
        $(id).replaceChildren(
          el('p', { class: 'empty', text: 'Charts unavailable (uPlot is not installed).' }),
        );
    },
  );

  setupTabs((view) => {
    if (view === 'view-overview') charts?.update(points);
    if (view === 'view-breakers') breakers.render();
    if (view === 'view-alerts') void audit.refresh();
  });
  $('audit-refresh').onclick = () => void audit.refresh();
  $('audit-verify').onclick = () => void audit.verify();
  /** @type {HTMLInputElement} */ ($('audit-type')).onkeydown = (e) => {
    if (e.key === 'Enter') void audit.refresh();
  };

  every(1000, async () => {
    const [health, list] = await Promise.all([api('/admin/v1/health'), api('/admin/v1/breakers')]);
    models.setHealth(health.models);
    models.setBreakers(list.breakers);
    breakers.setStates(list.breakers);
  });
  every(10_000, async () => {
    points = (await api('/admin/v1/timeline')).points;
    await chartsReady;
    charts?.update(points);
    breakers.render();
  });
  void breakers.load();
  void fallbacks.load().then(() => fallbacks.render());
  void renderAlerts($('alerts')).catch(() => {});
  void flags.refresh().catch(() => {});
  void api('/admin/v1/rounds').then(
    (body) => rounds.set(body),
    () => {},
  );
  void audit.refresh();

  const feed = followEvents(STREAM_TYPES, {
    onState: (state) => {
      if (state === 'refused') {
        showSignIn('The key is no longer accepted.');
        return;
      }
      setText($('conn'), state === 'live' ? 'live' : 'reconnecting…');
      $('conn').className = `conn ${state === 'live' ? 'live' : 'down'}`;
    },
    onEvent: (e) => {
      switch (e.type) {
        case 'breaker.state_changed':
          models.setBreaker(e.model, e.to);
          breakers.add(e);
          break;
        case 'health.status_changed':
          models.setStatus(e.model, e.to);
          break;
        case 'request.fallback':
          fallbacks.fallback(e);
          break;
        case 'request.exhausted':
          fallbacks.exhausted(e);
          break;
        case 'flag.changed':
          void flags.refresh();
          break;
        case 'alert.notified':
          void renderAlerts($('alerts'));
          break;
        case 'round.updated':
          rounds.update(e.round);
          break;
      }
    },
  });
  stops.push(() => feed.close());
}

async function boot() {
  const key = session.key;
  if (!key) return showSignIn();
  try {
    start(await signIn(key));
  } catch {
    session.clear();
    showSignIn('Your session ended: sign in again.');
  }
}

void boot();
