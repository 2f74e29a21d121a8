/**
 * Plain content deltas and plain finish chunks are forwarded without being parsed, and only those: an
 * error, a finish with content, usage, several choices, a line break or a truncated chunk still take the parsed
 * path, so mid-stream errors, finish reasons and malformed chunks are caught as before.
 */
import { describe, expect, it, vi } from 'vitest';
import { OpenAIStreamTranslator } from '../../src/providers/openai-compatible.js';
import { isPlainDelta, PlainChunkEvent, PlainDeltaScanner } from '../../src/providers/plain-chunk.js';
import type { TranslateResult } from '../../src/providers/sse-stream.js';

const ctx = { provider: 'openai', model: 'gpt-test' };
const chunk = (delta: Record<string, unknown>, finish: string | null, more: Record<string, unknown> = {}) =>
  JSON.stringify({
    id: 'c1',
    object: 'chat.completion.chunk',
    created: 1,
    model: 'm',
    choices: [{ index: 0, delta, finish_reason: finish }],
    ...more,
  });

const kind = (r: TranslateResult): string =>
  r === null ? 'nothing' : 'plain' in r ? 'plain' : 'end' in r ? `end:${r.end.type}` : 'parsed';

/** Frames `data` as SSE events in one read; `at` gives each payload's bounds in `text`. */
const frames = (...data: string[]) => {
  const text = data.map((d) => `data: ${d}\n\n`).join('');
  const at: Array<[number, number]> = [];
  let pos = 0;
  for (const d of data) {
    at.push([pos + 6, pos + 6 + d.length]);
    pos += d.length + 8;
  }
  return { text, at };
};

describe('isPlainDelta', () => {
  it('accepts a content delta with a null finish reason (and a null usage)', () => {
    expect(isPlainDelta(chunk({ content: 'hi' }, null))).toBe(true);
    expect(isPlainDelta(chunk({ content: 'hi' }, null, { usage: null }))).toBe(true);
    expect(isPlainDelta(chunk({ content: 'an "error" in text' }, null))).toBe(true);
  });

  it('rejects anything the gateway must look at', () => {
    const cases: Record<string, string> = {
      finish: chunk({}, 'stop'),
      usage: chunk({}, null, { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
      error: JSON.stringify({ error: { message: 'overloaded' } }),
      errorBeside: chunk({ content: 'x' }, null, { error: { message: 'late' } }),
      twoChoices: JSON.stringify({
        choices: [
          { index: 0, delta: { content: 'a' }, finish_reason: null },
          { index: 1, delta: { content: 'b' }, finish_reason: null },
        ],
      }),
      noDelta: JSON.stringify({ choices: [{ index: 0, finish_reason: null }] }),
      deltaNotObject: JSON.stringify({ choices: [{ index: 0, delta: 'x', finish_reason: null }] }),
      noFinishKey: JSON.stringify({ choices: [{ index: 0, delta: { content: 'a' } }] }),
      twoFinishKeys: chunk({ content: 'a' }, null, { my_finish_reason: null }),
      truncated: chunk({ content: 'hi' }, null).slice(0, -3),
      lineBreak: chunk({ content: 'hi' }, null).replace('"id"', '\n"id"'),
      notObject: '[1,2]',
      empty: '',
    };
    for (const [name, data] of Object.entries(cases))
      expect([name, isPlainDelta(data)]).toEqual([name, false]);
  });
});

describe('PlainDeltaScanner', () => {
  it('checks the frames of one read in order, each against its own bounds', () => {
    const s = new PlainDeltaScanner();
    const { text, at } = frames(
      chunk({ content: 'a' }, null),
      chunk({}, 'stop'),
      chunk({ content: 'b' }, null),
      JSON.stringify({ error: { message: 'x' } }),
      chunk({ content: 'c' }, null, { usage: { total_tokens: 1 } }),
      chunk({ content: 'd' }, null),
    );
    expect(at.map(([a, b]) => s.isPlainAt(text, a, b))).toEqual([true, false, true, false, false, true]);
  });

  it('takes a later chunk as plain by the template only when just its content string differs', () => {
    const s = new PlainDeltaScanner();
    const fresh = chunk({ content: 'an error' }, null);
    expect(new PlainDeltaScanner().isPlainAt(fresh, 0, fresh.length)).toBe(false);
    const first = chunk({ content: 'first' }, null);
    expect(s.isPlainAt(first, 0, first.length)).toBe(true);
    const cases: Array<[string, boolean]> = [
      [chunk({ content: 'a longer token' }, null), true],
      [chunk({ content: '' }, null), true],
      // The full check would take a string value ending in "error" for the key; the template does not.
      [chunk({ content: 'an error' }, null), true],
      [chunk({ content: 'say "hi"' }, null), true], // escaped quotes: the full check, still plain
      [chunk({ content: 'x' }, 'stop'), false],
      // Same text around the content, but the content breaks out of its string: never plain.
      [first.replace('first', 'a"},"finish_reason":"stop","x":{"y":"'), false],
      [first.replace('first', 'a\\"},"error":{"m":"'), false],
      [chunk({ content: 'y' }, null, { usage: { total_tokens: 2 } }), false],
    ];
    for (const [data, plain] of cases)
      expect([data, s.isPlainAt(data, 0, data.length)]).toEqual([data, plain]);
  });
});

describe('PlainDeltaScanner: a run of deltas in one read', () => {
  it("compares once per delta (a delta and the next one's start together), with the same verdicts", () => {
    const s = new PlainDeltaScanner();
    const tokens = ['a', 'b', 'c', 'd', 'e', 'f'];
    const { text, at } = frames(...tokens.map((t) => chunk({ content: t }, null)), chunk({}, 'stop'));
    const equal = vi.spyOn(String.prototype, 'slice');
    const verdicts = at.map(([a, b]) => s.isPlainAt(text, a, b));
    const slices = equal.mock.calls.length;
    equal.mockRestore();
    expect(verdicts).toEqual([true, true, true, true, true, true, false]);
    // The first delta is learnt (full check); the next five take one comparison each, the last of them
    // one more (its successor is the finish chunk), and the finish chunk its head's before the full check.
    expect(slices).toBeLessThanOrEqual(5 + 1 + 1 + 4);
  });

  it('does not carry a checked start to another read or to a frame at another place', () => {
    const s = new PlainDeltaScanner();
    const first = frames(
      chunk({ content: 'a' }, null),
      chunk({ content: 'b' }, null),
      chunk({ content: 'c' }, null),
    );
    expect(first.at.map(([a, b]) => s.isPlainAt(first.text, a, b))).toEqual([true, true, true]);
    // The first delta of another read: the second's head is compared with the first's tail.
    const same = frames(chunk({ content: 'x' }, null), chunk({ content: 'y' }, null));
    expect(s.isPlainAt(same.text, same.at[0]![0], same.at[0]![1])).toBe(true);
    // Then a read of the same length whose frame at that place differs from the template in its start
    // only, by an "error" key: checked in full, not plain.
    const bad = chunk({ content: 'y' }, null).replace('"object":', '"error" :');
    const other = frames(chunk({ content: 'x' }, null), bad);
    expect(other.text.length).toBe(same.text.length);
    expect(s.isPlainAt(other.text, other.at[1]![0], other.at[1]![1])).toBe(false);
    // The same frame, in the read whose second head was compared ahead (again), is plain.
    expect(s.isPlainAt(same.text, same.at[0]![0], same.at[0]![1])).toBe(true);
    expect(s.isPlainAt(same.text, same.at[1]![0], same.at[1]![1])).toBe(true);
  });
});

describe('PlainDeltaScanner: the template of an answer that starts with its role', () => {
  it("takes the chunks after the role chunk by the role chunk's template, and nothing else", () => {
    const s = new PlainDeltaScanner();
    const check = vi.spyOn(s as unknown as { check: () => unknown }, 'check');
    const role = chunk({ role: 'assistant', content: '' }, null);
    expect(s.isPlainAt(role, 0, role.length)).toBe(true);
    expect(check).toHaveBeenCalledTimes(1);
    const later = chunk({ content: 'po' }, null);
    expect(s.isPlainAt(later, 0, later.length)).toBe(true);
    expect(s.lastContent).toBe(true);
    // Taken by the template: no second full check.
    expect(check).toHaveBeenCalledTimes(1);
    // A later chunk naming a role again, or breaking out of its string, is not the template's.
    const cases: Array<[string, boolean]> = [
      [chunk({ role: 'assistant', content: 'x' }, null), true],
      [later.replace('po', 'a"},"finish_reason":"stop","x":{"y":"'), false],
      [chunk({ content: 'y' }, 'stop'), false],
      [chunk({ content: 'y' }, null, { usage: { total_tokens: 2 } }), false],
    ];
    for (const [data, plain] of cases)
      expect([data, s.isPlainAt(data, 0, data.length)]).toEqual([data, plain]);
  });
});

describe('PlainDeltaScanner.scanAt: finish chunks', () => {
  it('recognises a finish chunk (an empty delta and a reason), and nothing the gateway must look at', () => {
    const s = new PlainDeltaScanner();
    const at = (data: string) => s.scanAt(data, 0, data.length);
    expect(at(chunk({}, 'stop'))).toBe('finish');
    expect(at(chunk({}, 'length', { usage: null }))).toBe('finish');
    expect(at('{"id": "c", "choices": [{"index": 0, "delta": { }, "finish_reason": "tool_calls"}]}')).toBe(
      'finish',
    );
    const cases: Record<string, string> = {
      withContent: chunk({ content: 'x' }, 'stop'),
      withUsage: chunk({}, 'stop', { usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }),
      emptyReason: chunk({}, ''),
      escapedReason: chunk({}, 'st"op'),
      longReason: chunk({}, 'x'.repeat(100)),
      reasonNotString: chunk({}, null).replace('"finish_reason":null', '"finish_reason":1'),
      errorBeside: chunk({}, 'stop', { error: { message: 'late' } }),
      twoChoices: JSON.stringify({
        choices: [
          { index: 0, delta: {}, finish_reason: 'stop' },
          { index: 1, delta: {}, finish_reason: 'stop' },
        ],
      }),
      truncated: chunk({}, 'stop').slice(0, -3),
    };
    for (const [name, data] of Object.entries(cases)) expect([name, at(data)]).toEqual([name, undefined]);
    // isPlainAt (and isPlainDelta) still take content deltas only.
    expect(s.isPlainAt(chunk({}, 'stop'), 0, chunk({}, 'stop').length)).toBe(false);
    expect(isPlainDelta(chunk({}, 'stop'))).toBe(false);
  });

  it('lets the translator forward a finish chunk unparsed and still know the answer finished', () => {
    const t = new OpenAIStreamTranslator(ctx);
    const content = chunk({ content: 'hi' }, null);
    expect(t.plainAt(content, 0, content.length)).toBe('content');
    // Without a finish reason, a stream without [DONE] is cut short.
    expect(t.endWithoutMarker()).toMatchObject({ type: 'error', failure: { kind: 'transient' } });
    const finish = chunk({}, 'stop');
    expect(t.plainAt(finish, 0, finish.length)).toBe('content');
    expect(t.endWithoutMarker()).toEqual({ type: 'done' });
  });
});

describe('PlainChunkEvent', () => {
  it('parses its text on first read only, and reads broken text as a chunk without choices', () => {
    const text = chunk({ content: 'hi' }, null);
    const event = PlainChunkEvent.ofText(text);
    expect(event).toMatchObject({ type: 'chunk', plain: true, text });
    const first = event.chunk;
    expect(first.choices[0]?.delta.content).toBe('hi');
    expect(event.chunk).toBe(first);
    expect(PlainChunkEvent.ofText('{"choices":[{"delta":{},"finish_reason":null}').chunk.choices).toEqual([]);
  });
});

describe('OpenAIStreamTranslator', () => {
  const event = (data: string) => ({ event: 'message', data });

  it('forwards plain deltas unparsed, and checks every other chunk', () => {
    const t = new OpenAIStreamTranslator(ctx);
    expect(kind(t.translate(event(chunk({ role: 'assistant', content: '' }, null))))).toBe('plain');
    expect(kind(t.translate(event(chunk({ content: 'Hel' }, null))))).toBe('plain');
    // A frame `plainAt` already looked at and did not take is parsed without a second look.
    expect(kind(t.translate(event(chunk({ content: 'Hel' }, null)), true))).toBe('parsed');
    expect(kind(t.translate(event(chunk({ content: 'lo' }, null, { usage: { total_tokens: 1 } }))))).toBe(
      'parsed',
    );
    expect(kind(t.translate(event(chunk({}, 'stop'))))).toBe('parsed');
    // A finish reason seen in a parsed chunk still lets a stream without [DONE] end as done.
    expect(t.endWithoutMarker()).toEqual({ type: 'done' });
  });

  it('tells whether a plain frame carries content without parsing it, when its template does', () => {
    const t = new OpenAIStreamTranslator(ctx);
    const verdicts = [
      chunk({ role: 'assistant', content: '' }, null),
      chunk({ content: 'Hel' }, null),
      chunk({ content: '' }, null),
      chunk({ content: 'lo' }, null),
      chunk({ content: 'a "quoted" word' }, null),
      chunk({ tool_calls: [{ index: 0, function: { arguments: '{}' } }] }, null),
      chunk({ content: 'x' }, 'stop'),
    ].map((data) => t.plainAt(data, 0, data.length));
    expect(verdicts).toEqual(['empty', 'content', 'empty', 'content', 'unknown', 'unknown', undefined]);
  });

  it('takes deltas written with spaces (as Python writes JSON) as plain, their content unknown', () => {
    const t = new OpenAIStreamTranslator(ctx);
    const spaced = (content: string) =>
      `{"id": "c", "choices": [{"index": 0, "delta": {"content": ${JSON.stringify(content)}}, "finish_reason": null}]}`;
    const text = ['a', 'b', 'c'].map((c) => `data: ${spaced(c)}\n\n`).join('');
    const verdicts: unknown[] = [];
    let pos = 0;
    for (const c of ['a', 'b', 'c']) {
      const data = spaced(c);
      verdicts.push(t.plainAt(text, pos + 6, pos + 6 + data.length));
      pos += data.length + 8;
    }
    expect(verdicts).toEqual(['unknown', 'unknown', 'unknown']);
    const finished = spaced('d').replace('"finish_reason": null', '"finish_reason": "stop"');
    expect(t.plainAt(finished, 0, finished.length)).toBeUndefined();
  });

  it('still ends the stream on a mid-stream error and on a truncated chunk after content started', () => {
    const t = new OpenAIStreamTranslator(ctx);
    t.translate(event(chunk({ content: 'a' }, null)));
    t.translate(event(chunk({ content: 'b' }, null)));
    const failed = t.translate(
      event(JSON.stringify({ error: { message: 'overloaded', type: 'server_error' } })),
    );
    expect(kind(failed)).toBe('end:error');
    const u = new OpenAIStreamTranslator(ctx);
    u.translate(event(chunk({ content: 'a' }, null)));
    u.translate(event(chunk({ content: 'b' }, null)));
    const broken = u.translate(event('{"id":"broken","choices":[{"delta":{"content":"tru'));
    expect(failed !== null && 'end' in failed && failed.end.type === 'error' ? 'ok' : 'no').toBe('ok');
    expect(
      broken !== null && 'end' in broken && broken.end.type === 'error'
        ? broken.end.failure.kind
        : kind(broken),
    ).toBe('malformed');
  });

  it('an event named by the stream (event: error) is never plain', () => {
    const t = new OpenAIStreamTranslator(ctx);
    t.translate(event(chunk({ content: 'a' }, null)));
    t.translate(event(chunk({ content: 'b' }, null)));
    expect(kind(t.translate({ event: 'error', data: chunk({ content: 'b' }, null) }))).toBe('end:error');
  });
});
