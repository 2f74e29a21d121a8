// @ts-check
/**
 * Talking to the gateway: the admin key lives in this tab's sessionStorage and travels only as an
 * `Authorization: Bearer` header (never in a URL). The live feed is the admin event stream read with
 * fetch() (EventSource cannot send headers).
 */

const KEY = 'hive.adminKey';

export const session = {
  /** @returns {string | null} */
  get key() {
    return sessionStorage.getItem(KEY);
  },
  /** @param {string} key */
  save(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

/** An error answer from the gateway (OpenAI-shaped body). */
export class ApiError extends Error {
  /** @param {number} status @param {string} message */
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

/**
 * Calls the admin API. Resolves with the JSON body; rejects with an {@link ApiError}.
 * @param {string} path
 * @param {{ method?: string, body?: unknown, key?: string }} [options]
 * @returns {Promise<any>}
 */
export async function api(path, options = {}) {
  const key = options.key ?? session.key ?? '';
  /** @type {Record<string, string>} */
  const headers = { authorization: `Bearer ${key}` };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    cache: 'no-store',
    credentials: 'omit',
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: fall through with the status
  }
  if (!res.ok) throw new ApiError(res.status, json?.error?.message ?? `HTTP ${res.status}`);
  return json;
}

/**
 * Follows the admin event stream, reconnecting with backoff. `onState` gets `live`, `reconnecting` or
 * `refused` (the key no longer works: the stream stops).
 * @param {readonly string[]} types event types to receive
 * @param {{ onEvent: (event: any) => void, onState: (state: 'live' | 'reconnecting' | 'refused') => void }} handlers
 * @returns {{ close(): void }}
 */
export function followEvents(types, handlers) {
  const controller = new AbortController();
  let delay = 500;
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const res = await fetch(`/admin/v1/events?types=${types.join(',')}`, {
          headers: { authorization: `Bearer ${session.key ?? ''}`, accept: 'text/event-stream' },
          signal: controller.signal,
          cache: 'no-store',
          credentials: 'omit',
        });
        if (res.status === 401 || res.status === 403) {
          handlers.onState('refused');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        handlers.onState('live');
        delay = 500;
        await readEvents(res.body, handlers.onEvent);
      } catch {
        if (controller.signal.aborted) return;
      }
      handlers.onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  };
  void run();
  return { close: () => controller.abort() };
}

const SEPARATOR = /\r?\n\r?\n/;

/**
 * Parses a text/event-stream body: one JSON object per event's `data:` lines; comments are skipped.
 * @param {ReadableStream<Uint8Array>} body
 * @param {(event: any) => void} onEvent
 */
async function readEvents(body, onEvent) {
  const decoder = /** @type {TransformStream<Uint8Array, string>} */ (
    /** @type {unknown} */ (new TextDecoderStream())
  );
  const reader = body.pipeThrough(decoder).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    for (let m = SEPARATOR.exec(buffer); m; m = SEPARATOR.exec(buffer)) {
      const block = buffer.slice(0, m.index);
      buffer = buffer.slice(m.index + m[0].length);
      const data = block
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (!data) continue;
      try {
        onEvent(JSON.parse(data));
      } catch {
        // a malformed event is skipped, the stream goes on
      }
    }
  }
}
