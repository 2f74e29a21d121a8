/**
 * The gateway's answers to what fails outside a route: unknown routes (404), Fastify's own 4xx errors
 * (body parsing, size, content type), malformed requests and unexpected errors (500), all OpenAI-shaped.
 * An unexpected error is logged with its message scrubbed of secrets, never sent to the client.
 * @packageDocumentation
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './context.js';
import { httpError, invalidRequest, scrubSecrets } from './errors.js';
import { lingerAfterTooLarge, MAX_JSON_DEPTH } from './request-hygiene.js';

/** Bytes of an oversized body discarded after its 413 before the connection is closed. */
function drainCap(bodyLimit: number): number {
  return Math.max(16 * 1024 * 1024, 4 * bodyLimit);
}

/** Fastify's `frameworkErrors` option: a request it could not take apart is a 400 `bad_request`. */
export function answerMalformedRequest(
  error: FastifyError,
  _request: FastifyRequest,
  reply: FastifyReply,
): void {
  sendError(reply, invalidRequest(`Malformed request: ${error.message}`, null, 'bad_request'));
}

/** Sets `app`'s not-found and error handlers; `bodyLimit` is the body size limit in bytes. */
export function setErrorHandlers(app: FastifyInstance, bodyLimit: number): void {
  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      httpError(
        404,
        'not_found_error',
        `Unknown route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`,
        'not_found',
      ),
    ),
  );
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') lingerAfterTooLarge(request, reply, drainCap(bodyLimit));
    const mapped = mapFrameworkError(error, bodyLimit);
    if (mapped) return sendError(reply, mapped);
    request.log.error(
      { err: { type: error.name, message: scrubSecrets(String(error.message)) } },
      'request failed',
    );
    return sendError(
      reply,
      httpError(500, 'api_error', 'The gateway failed to handle this request', 'internal_error'),
    );
  });
}

/** Maps Fastify's own 4xx errors (body parsing, size, content type) to OpenAI-shaped errors. */
function mapFrameworkError(error: FastifyError, bodyLimit: number): ReturnType<typeof httpError> | undefined {
  const status = typeof error.statusCode === 'number' ? error.statusCode : 0;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return httpError(
        413,
        'invalid_request_error',
        `The request body is larger than the limit of ${bodyLimit} bytes`,
        'request_too_large',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return httpError(
        415,
        'invalid_request_error',
        'Unsupported content type: send the body as application/json',
        'unsupported_media_type',
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return invalidRequest('The request body is empty: expected a JSON object', null, 'invalid_json');
    case 'HIVE_JSON_DEPTH':
      return invalidRequest(
        `The request body is nested more than ${MAX_JSON_DEPTH} levels deep`,
        null,
        'invalid_json',
      );
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return invalidRequest('The request body is not valid JSON', null, 'invalid_json');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidRequest(
        'The content-length header does not match the body',
        null,
        'invalid_content_length',
      );
  }
  if (error instanceof SyntaxError || (status === 400 && /json/i.test(error.message))) {
    // Never echo the body: JSON.parse messages quote a snippet of it.
    const at = /position (\d+)/.exec(error.message);
    const where = at ? ` (at position ${at[1]})` : '';
    return invalidRequest(`The request body is not valid JSON${where}`, null, 'invalid_json');
  }
  if (status >= 400 && status < 500) {
    const type =
      status === 401
        ? 'authentication_error'
        : status === 403
          ? 'permission_error'
          : status === 404
            ? 'not_found_error'
            : status === 429
              ? 'rate_limit_error'
              : 'invalid_request_error';
    return httpError(status, type, error.message.slice(0, 300), 'invalid_request');
  }
  return undefined;
}
