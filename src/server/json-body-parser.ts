/**
 * The JSON body parser of the gateway: Fastify's own (prototype and constructor poisoning refused), with a
 * nesting limit checked before parsing, and `text/plain` bodies not accepted.
 * @packageDocumentation
 */
import type { FastifyInstance } from 'fastify';
import { jsonTooDeep, MAX_JSON_DEPTH } from './request-hygiene.js';

/**
 * Replaces `app`'s content-type parsers: `application/json` only, a body nested more than
 * {@link MAX_JSON_DEPTH} levels fails with code `HIVE_JSON_DEPTH`.
 */
export function useJsonBodyParser(app: FastifyInstance): void {
  app.removeContentTypeParser('text/plain');
  // Fastify's own JSON parser (prototype and constructor poisoning refused), except that a body-less
  // DELETE sent with `content-type: application/json` (a common curl habit) is not an error.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '' && request.method === 'DELETE') {
      done(null, undefined);
      return;
    }
    // Checked before parsing: a body nested thousands deep would overflow the stack later (stringify).
    if (jsonTooDeep(body as string)) {
      done(
        Object.assign(new Error(`nested more than ${MAX_JSON_DEPTH} levels`), { code: 'HIVE_JSON_DEPTH' }),
      );
      return;
    }
    parseJson(request, body as string, done);
  });
}
