import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { LazyRequestLogger, withLazyChildren } from '../../src/server/request-logger.js';

function capture(): { logger: pino.Logger; lines: () => Record<string, unknown>[] } {
  const out: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      out.push(String(chunk));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  return {
    logger,
    lines: () =>
      out
        .join('')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
  };
}

describe('withLazyChildren', () => {
  it('hands out children that make their pino child on the first log call, with the bindings', () => {
    const { logger, lines } = capture();
    const realChild = vi.spyOn(Object.getPrototypeOf(logger), 'child');
    withLazyChildren(logger);
    const child = logger.child({ requestId: 'req-1' });
    expect(child).toBeInstanceOf(LazyRequestLogger);
    expect(realChild).not.toHaveBeenCalled();
    child.info('hello');
    child.info('again');
    expect(realChild).toHaveBeenCalledTimes(1);
    expect(lines().map((l) => [l.requestId, l.msg])).toEqual([
      ['req-1', 'hello'],
      ['req-1', 'again'],
    ]);
    realChild.mockRestore();
  });

  it("keeps the bindings of every level (a child's child) and the parent's level", () => {
    const { logger, lines } = capture();
    withLazyChildren(logger);
    const child = logger.child({ requestId: 'req-2' });
    expect(child.level).toBe('info');
    child.child({ route: 'chat' }).warn('deep');
    child.debug('below the level');
    expect(lines()).toEqual([expect.objectContaining({ requestId: 'req-2', route: 'chat', msg: 'deep' })]);
  });
});
