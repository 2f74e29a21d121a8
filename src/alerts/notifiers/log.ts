/**
 * Log notifier: writes each notification to a pino-compatible logger or hands it to a function.
 * @packageDocumentation
 */
import type { AlertLogger, AlertNotification, AlertNotifier } from '../types.js';

/** Log level for a notification: resolved → info, otherwise by severity. */
function levelFor(n: AlertNotification): 'info' | 'warn' | 'error' {
  if (n.kind === 'resolved') return 'info';
  return n.alert.severity === 'critical' ? 'error' : n.alert.severity === 'warning' ? 'warn' : 'info';
}

/** Creates a log notifier; `level` forces one level for every notification. */
export function createLogNotifier(
  target: AlertLogger | ((notification: AlertNotification) => void),
  options: { level?: 'info' | 'warn' | 'error'; index?: number } = {},
): AlertNotifier {
  return {
    name: `log#${options.index ?? 0}`,
    async send(n) {
      if (typeof target === 'function') {
        target(n);
        return;
      }
      const a = n.alert;
      target[options.level ?? levelFor(n)](
        {
          alert: { id: a.id, rule: a.rule, subject: a.subject, severity: a.severity, status: a.status },
          kind: n.kind,
          details: a.details,
        },
        `alert ${n.kind}: ${a.summary}`,
      );
    },
  };
}
