/**
 * Alerting settings: the config's `alerts` section (its schema is `alertsSchema` in `src/config`),
 * checked on its own for callers that hand settings straight to the alert manager.
 * @packageDocumentation
 */
import { type AlertsConfig, type AlertsConfigInput, alertsSchema } from '../config/alerts-schema.js';
import { formatIssue } from '../config/config-error.js';
import { validateSection } from '../config/load.js';

/** Parsed alert settings (durations in ms). */
export type AlertsSettings = AlertsConfig;
/** Alert settings as written in a config file. */
export type AlertsSettingsInput = AlertsConfigInput;
export type { NotifierConfig as NotifierSettings } from '../config/alerts-schema.js';

/** Checks settings: the parsed value, or one line per bad field (never echoing secrets). */
export function checkAlertsSettings(
  input: unknown,
): { ok: true; settings: AlertsSettings } | { ok: false; errors: string[] } {
  const checked = validateSection(alertsSchema, input, { at: ['alerts'], interpolate: false });
  if (checked.ok) return { ok: true, settings: checked.config };
  return { ok: false, errors: checked.issues.map(formatIssue) };
}

/** Parses settings, throwing an error that names each bad field (never echoing secrets). */
export function parseAlertsSettings(input: unknown): AlertsSettings {
  const checked = checkAlertsSettings(input);
  if (checked.ok) return checked.settings;
  throw new Error(`invalid alerts settings:\n  ${checked.errors.join('\n  ')}`);
}
