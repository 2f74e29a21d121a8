/**
 * Slack-compatible incoming webhook (`{ text, blocks }`); also accepted by Mattermost, Rocket.Chat and
 * Discord's `/slack` endpoint.
 * @packageDocumentation
 */
import type { AlertNotification, AlertNotifier } from '../types.js';
import { type AlertFetch, checkStatus, safeHost } from './http-transport.js';

/** Slack's mrkdwn escaping (`&`, `<`, `>`). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const ICON: Record<AlertNotification['kind'], string> = {
  firing: ':rotating_light:',
  escalated: ':fire:',
  resolved: ':white_check_mark:',
};

/** The Slack message for a notification. */
export function slackMessage(n: AlertNotification): { text: string; blocks: unknown[] } {
  const a = n.alert;
  const label = n.kind === 'resolved' ? 'RESOLVED' : a.severity.toUpperCase();
  const prefix = n.kind === 'escalated' ? 'ESCALATED ' : '';
  const text = `${ICON[n.kind]} [${prefix}${label}] ${escapeMrkdwn(a.summary)}`;
  const facts = Object.entries(a.details)
    .map(([k, v]) => `${escapeMrkdwn(k)}: ${escapeMrkdwn(String(v))}`)
    .join(' · ');
  const context = [
    `rule: ${a.rule}`,
    `subject: ${escapeMrkdwn(a.subject)}`,
    `since ${new Date(a.firedAt).toISOString()}`,
  ];
  if (facts) context.push(facts);
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text } },
      { type: 'context', elements: [{ type: 'mrkdwn', text: context.join(' | ') }] },
    ],
  };
}

/** Creates a Slack-compatible webhook notifier (the URL, which holds a token, is never logged). */
export function createSlackNotifier(
  options: { url: string; index?: number },
  fetch: AlertFetch,
): AlertNotifier {
  const { url } = options;
  return {
    name: `slack#${options.index ?? 0} (${safeHost(url)})`,
    async send(notification, signal) {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'hive-resilience-alerts' },
        body: JSON.stringify(slackMessage(notification)),
        signal,
      });
      checkStatus(res.status);
    },
  };
}
