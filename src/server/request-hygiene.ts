/**
 * Defences against hostile or broken clients at the HTTP edge, before any route runs: JSON nested too
 * deep, oversized bodies answered (not reset), Fastify's and Node's own client errors in OpenAI shape,
 * and credentials kept out of the access log's URLs.
 * @packageDocumentation
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Deepest JSON nesting accepted in a request body (objects and arrays). */
export const MAX_JSON_DEPTH = 100;

const OPEN_BRACE = 123;
const OPEN_BRACKET = 91;
const CLOSE_BRACE = 125;
const CLOSE_BRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * True when `text` nests objects/arrays deeper than `max`. One linear pass that skips string contents;
 * it runs before `JSON.parse`, so nothing recursive ever sees a hostile depth. Nesting deeper than `max`
 * takes more than `max` opening brackets, and most bodies hold far fewer: those are counted first with
 * `indexOf` (native), and only a body with more takes the character-by-character pass.
 */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  if (atMostOpenings(text, max)) return false;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > max) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}

/** True when `text` holds at most `max` `{` and `[` in all (strings included). */
function atMostOpenings(text: string, max: number): boolean {
  let n = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++n > max) return false;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++n > max) return false;
  return true;
}

/** Query parameters whose values are never logged. */
const SECRET_QUERY =
  /([?&](?:api[_-]?key|key|token|access[_-]?token|auth|authorization|password|secret)=)[^&#]*/gi;

/** A URL with the values of credential-like query parameters replaced by `[redacted]`. */
function redactUrl(url: string): string {
  return url.includes('?') ? url.replace(SECRET_QUERY, '$1[redacted]') : url;
}

/** pino's `req` serializer for the access log: what Fastify logs, with credentials out of the URL. */
export function accessLogRequest(req: FastifyRequest | IncomingMessage): Record<string, unknown> {
  const r = req as FastifyRequest;
  const raw = (r.raw ?? req) as IncomingMessage;
  return {
    method: r.method,
    url: redactUrl(String(r.url ?? raw.url ?? '')),
    host: r.host ?? raw.headers?.host,
    remoteAddress: r.ip ?? raw.socket?.remoteAddress,
    remotePort: raw.socket?.remotePort,
  };
}

/** An OpenAI-shaped error body as bytes. */
function errorJson(message: string, code: string): string {
  return JSON.stringify({ error: { message, type: 'invalid_request_error', code, param: null } });
}

const CLIENT_ERRORS: Readonly<Record<string, readonly [number, string, string, string]>> = {
  ERR_HTTP_REQUEST_TIMEOUT: [
    408,
    'Request Timeout',
    'The request was not received in time (headers and body); the connection is closed',
    'request_timeout',
  ],
  HPE_HEADER_OVERFLOW: [
    431,
    'Request Header Fields Too Large',
    'The request headers are larger than the server accepts',
    'request_header_fields_too_large',
  ],
};

/**
 * Fastify's `clientErrorHandler`: the errors Node raises before a request reaches Fastify (a malformed
 * request line or header, headers too large, a request not received in time) answered in OpenAI shape,
 * then the socket closed.
 */
export function openAiClientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, text, message, code] = CLIENT_ERRORS[error.code ?? ''] ?? [
    400,
    'Bad Request',
    'Malformed HTTP request',
    'bad_request',
  ];
  const body = errorJson(message, code);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/**
 * After a 413, lets the client finish sending (and read the answer) instead of resetting it mid-upload:
 * the connection stays open while Node discards the rest of the body, up to `capBytes`; past that (or
 * when the body timeout runs out) the connection is closed. Without this, Node's fetch and the openai
 * client often see EPIPE/ECONNRESET instead of the 413 (and the openai client uploads again).
 */
export function lingerAfterTooLarge(request: FastifyRequest, reply: FastifyReply, capBytes: number): void {
  reply.removeHeader('connection');
  const raw = request.raw;
  if (raw.complete) return;
  let drained = 0;
  const onData = (chunk: Buffer): void => {
    drained += chunk.length;
    if (drained > capBytes) {
      raw.off('data', onData);
      raw.socket.destroy();
    }
  };
  raw.on('data', onData);
  raw.once('end', () => raw.off('data', onData));
}
