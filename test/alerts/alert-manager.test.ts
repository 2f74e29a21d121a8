import { describe, expect, it } from 'vitest';
import { type AlertManagerOptions, createAlertManager } from '../../src/alerts/alert-manager.js';
import { parseAlertsSettings } from '../../src/alerts/settings.js';
import type { AlertNotification, AlertNotifier } from '../../src/alerts/types.js';
import { FakeClock } from '../../src/core/testing/fake-clock.js';
import { breaker, completed, health, memoryLogger } from './helpers.js';

const MIN = 60_000;

function setup(settings: AlertManagerOptions['settings'] = {}) {
  const clock = new FakeClock();
  const delivered: AlertNotification[] = [];
  const capture: AlertNotifier = {
    name: 'capture',
    async send(n) {
      delivered.push(n);
    },
  };
  const logger = memoryLogger();
  const manager = createAlertManager({
    settings: { notifiers: [], ...settings },
    clock,
    logger,
    notifiers: [capture],
  });
  const emitted: AlertNotification[] = [];
  manager.onAlert.on((n) => emitted.push(n));
  const kinds = () => emitted.map((n) => `${n.kind}:${n.alert.rule}:${n.alert.subject}:${n.alert.severity}`);
  return { clock, manager, emitted, delivered, logger, kinds };
}

describe('alert manager', () => {
  it('fires once per rule and subject while active, then resolves', async () => {
    const { manager, kinds, delivered, clock } = setup();
    manager.observe(breaker('a', 'closed', 'open'));
    manager.observe(breaker('a', 'half-open', 'open'));
    manager.observe(breaker('a', 'open', 'half-open'));
    manager.observe(breaker('b', 'closed', 'open'));
    expect(kinds()).toEqual(['firing:breakerOpened:a:warning', 'firing:breakerOpened:b:warning']);
    expect(manager.active().find((a) => a.subject === 'a')?.occurrences).toBe(2);
    manager.observe(breaker('a', 'half-open', 'closed'));
    expect(kinds()[2]).toBe('resolved:breakerOpened:a:warning');
    expect(manager.active().map((a) => a.subject)).toEqual(['b']);
    await clock.advance(0);
    expect(delivered.map((n) => n.kind)).toEqual(['firing', 'firing', 'resolved']);
    expect(manager.history()).toHaveLength(3);
    manager.stop();
  });

  it('respects the cooldown after resolution and fires when it ends if still active', async () => {
    const { manager, kinds, clock } = setup({ cooldown: '10m' });
    manager.observe(health('m', 'healthy', 'failed'));
    manager.observe(health('m', 'failed', 'degraded'));
    expect(kinds()).toEqual(['firing:modelFailed:m:critical', 'resolved:modelFailed:m:critical']);
    // Flaps within the cooldown: suppressed, and cancelled by its own resolution.
    await clock.advance(MIN);
    manager.observe(health('m', 'degraded', 'failed'));
    manager.observe(health('m', 'failed', 'healthy'));
    await clock.advance(20 * MIN);
    expect(kinds()).toHaveLength(2);
    // Cooldown is measured from the last resolution; once it is over the rule fires again.
    manager.observe(health('m', 'healthy', 'failed'));
    expect(kinds()).toHaveLength(3);
    manager.observe(health('m', 'failed', 'healthy'));
    // Failing again during the cooldown and still failing when it ends: fires at the end.
    await clock.advance(2 * MIN);
    manager.observe(health('m', 'healthy', 'failed'));
    expect(kinds()).toHaveLength(4);
    await clock.advance(8 * MIN - 1);
    expect(kinds()).toHaveLength(4);
    await clock.advance(1);
    expect(kinds()).toHaveLength(5);
    expect(kinds()[4]).toBe('firing:modelFailed:m:critical');
    manager.stop();
  });

  it('escalates once after escalateAfter while still active', async () => {
    const { manager, kinds, clock } = setup({ escalateAfter: '15m' });
    manager.observe(breaker('a', 'closed', 'open'));
    await clock.advance(15 * MIN - 1);
    expect(kinds()).toEqual(['firing:breakerOpened:a:warning']);
    await clock.advance(1);
    expect(kinds()).toEqual(['firing:breakerOpened:a:warning', 'escalated:breakerOpened:a:critical']);
    await clock.advance(60 * MIN);
    expect(kinds()).toHaveLength(2);
    expect(manager.active()[0]).toMatchObject({ escalated: true, severity: 'critical' });
    manager.observe(breaker('a', 'half-open', 'closed'));
    expect(kinds()[2]).toBe('resolved:breakerOpened:a:critical');
    manager.stop();
  });

  it('does not escalate an alert resolved in time', async () => {
    const { manager, kinds, clock } = setup({ escalateAfter: 5 * MIN });
    manager.observe(breaker('a', 'closed', 'open'));
    await clock.advance(4 * MIN);
    manager.observe(breaker('a', 'half-open', 'closed'));
    await clock.advance(30 * MIN);
    expect(kinds()).toEqual(['firing:breakerOpened:a:warning', 'resolved:breakerOpened:a:warning']);
    expect(clock.pendingTimers).toBe(0);
    manager.stop();
  });

  it('alerts on an exhausted chain; resolves on success or after a quiet period', async () => {
    const { manager, kinds, clock } = setup({
      rules: { chainExhausted: { resolveAfter: '5m' } },
      cooldown: 0,
    });
    const exhausted = {
      type: 'request.exhausted',
      requestId: 'r',
      target: 'chat',
      trail: [],
      at: 0,
    } as const;
    manager.observe(exhausted);
    manager.observe(exhausted);
    manager.observe(completed('chat', 'success'));
    expect(kinds()).toEqual(['firing:chainExhausted:chat:critical', 'resolved:chainExhausted:chat:critical']);
    manager.observe(exhausted);
    await clock.advance(4 * MIN);
    manager.observe(exhausted); // refreshes the quiet period
    await clock.advance(4 * MIN);
    expect(manager.active()).toHaveLength(1);
    await clock.advance(MIN);
    expect(manager.active()).toHaveLength(0);
    expect(kinds()).toHaveLength(4);
    manager.stop();
  });

  it('alerts when emergency consensus is engaged and escalates when authorised', () => {
    const { manager, kinds, emitted } = setup();
    manager.observe({
      type: 'consensus.emergency_pending',
      roundId: 'r7',
      subject: 'gpt-4o',
      reason: 'all failed',
    });
    manager.observe({ type: 'consensus.emergency_authorised', roundId: 'r7' });
    manager.observe({ type: 'consensus.emergency_authorised', roundId: 'r8' });
    expect(kinds()).toEqual([
      'firing:emergencyConsensus:r7:critical',
      'escalated:emergencyConsensus:r7:critical',
      'firing:emergencyConsensus:r8:critical',
    ]);
    expect(emitted[0]!.alert.summary).toContain('r7');
    expect(emitted[2]!.alert.escalated).toBe(true);
    manager.stop();
  });

  it('error-rate rule waits for minRequests and only counts the window', async () => {
    const { manager, kinds, clock } = setup({
      rules: { errorRate: { threshold: 0.5, window: '5m', minRequests: 20 } },
    });
    for (let i = 0; i < 19; i++) manager.observe(completed('m', 'transient'));
    expect(kinds()).toEqual([]);
    // The window slides past those 19; 19 fresh failures are again below minRequests.
    await clock.advance(6 * MIN);
    for (let i = 0; i < 19; i++) manager.observe(completed('m', 'timeout'));
    expect(kinds()).toEqual([]);
    // Caller mistakes and aborts are not errors; aborts are not even counted.
    manager.observe(completed('m', 'request'));
    for (let i = 0; i < 50; i++) manager.observe(completed('m', 'aborted'));
    expect(kinds()).toEqual(['firing:errorRate:m:warning']);
    expect(manager.active()[0]!.details).toMatchObject({ total: 20, errors: 19 });
    // Successes bring the rate down to the threshold: resolved.
    for (let i = 0; i < 18; i++) manager.observe(completed('m', 'success'));
    expect(kinds()).toEqual(['firing:errorRate:m:warning', 'resolved:errorRate:m:warning']);
    manager.stop();
  });

  it('resolves an error-rate alert once its window drains with no traffic', async () => {
    const { manager, kinds, clock } = setup({ rules: { errorRate: { window: '1m', minRequests: 5 } } });
    for (let i = 0; i < 5; i++) manager.observe(completed('m', 'transient'));
    expect(kinds()).toEqual(['firing:errorRate:m:warning']);
    await clock.advance(30_000);
    expect(kinds()).toHaveLength(1);
    await clock.advance(40_000);
    expect(kinds()).toEqual(['firing:errorRate:m:warning', 'resolved:errorRate:m:warning']);
    manager.stop();
  });

  it('ignores disabled rules and unknown events', () => {
    const { manager, kinds } = setup({ rules: { breakerOpened: { enabled: false } } });
    manager.observe(breaker('a', 'closed', 'open'));
    manager.observe({
      type: 'probe.completed',
      model: 'a',
      kind: 'success',
      latencyMs: 1,
      correct: true,
      at: 0,
    });
    expect(kinds()).toEqual([]);
    manager.stop();
  });

  it('stop() leaves no pending timers and later events are ignored', async () => {
    const { manager, clock, kinds } = setup();
    manager.observe(breaker('a', 'closed', 'open'));
    manager.observe({ type: 'request.exhausted', requestId: 'r', target: 'c', trail: [], at: 0 });
    for (let i = 0; i < 30; i++) manager.observe(completed('m', 'transient'));
    manager.observe(breaker('a', 'open', 'closed'));
    manager.observe(breaker('a', 'closed', 'open')); // suppressed by cooldown: a pending timer
    expect(clock.pendingTimers).toBeGreaterThan(3);
    manager.stop();
    manager.stop();
    expect(clock.pendingTimers).toBe(0);
    const before = kinds().length;
    manager.observe(breaker('z', 'closed', 'open'));
    expect(kinds()).toHaveLength(before);
  });

  it('a throwing onAlert listener does not reach the caller', () => {
    const { manager, kinds } = setup();
    manager.onAlert.on(() => {
      throw new Error('listener bug');
    });
    expect(() => manager.observe(breaker('a', 'closed', 'open'))).not.toThrow();
    expect(kinds()).toHaveLength(1);
    manager.stop();
  });
});

describe('alert settings', () => {
  it('defaults to every rule enabled and a log notifier', () => {
    const s = parseAlertsSettings({});
    expect(s.notifiers).toEqual([{ type: 'log' }]);
    expect(Object.values(s.rules).every((r) => r.enabled)).toBe(true);
    expect(s).toMatchObject({ cooldown: 600_000, escalateAfter: 900_000 });
    expect(s.rules.errorRate).toMatchObject({ threshold: 0.5, window: 300_000, minRequests: 20 });
  });

  it('names the bad field and never echoes a secret', () => {
    const secret = 'short-secret';
    let message = '';
    try {
      parseAlertsSettings({
        cooldown: 'soon',
        rules: { errorRate: { threshold: 5 } },
        notifiers: [{ type: 'webhook', url: 'https://h.example/x', secret }],
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('alerts.cooldown');
    expect(message).toContain('alerts.rules.errorRate.threshold');
    expect(message).toContain('alerts.notifiers[0].secret: webhook secret must be at least 16 characters');
    expect(message).not.toContain(secret);
  });

  it('the log notifier writes to the logger', async () => {
    const clock = new FakeClock();
    const logger = memoryLogger();
    const manager = createAlertManager({ clock, logger });
    manager.observe(breaker('a', 'closed', 'open'));
    await clock.advance(0);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatchObject({ level: 'warn', msg: 'alert firing: Breaker for a opened' });
    manager.stop();
  });
});
