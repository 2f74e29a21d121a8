/**
 * The gateway's pino logger: secrets redacted ({@link REDACTED_LOG_PATHS}) and the access log's request
 * line serialised without credential-like query parameters.
 * @packageDocumentation
 */
import { type Logger, pino } from 'pino';
import { accessLogRequest } from './request-hygiene.js';

/** Log paths that may carry secrets; pino replaces them with `[redacted]`. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-admin-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'headers["x-admin-key"]',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'authorization',
  '*.authorization',
];

/**
 * The logger for `option`: `false` is silent, a given logger gets a redacting child, none is a pino JSON
 * logger on stdout at `level`.
 */
export function makeLogger(option: Logger | false | undefined, level: string): Logger {
  const redact = { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' };
  // The access log's request line, with credential-like query parameters redacted.
  const serializers = { req: accessLogRequest };
  if (option === false) return pino({ level: 'silent' });
  if (option) return option.child({}, { redact, serializers });
  return pino({ level, redact, serializers });
}
