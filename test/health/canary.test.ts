import { describe, expect, it } from 'vitest';
import { canaryCheck, stripReasoning } from '../../src/health/index.js';

describe('canaryCheck', () => {
  it('matches a case-insensitive substring', () => {
    expect(canaryCheck('The answer is PONG.', 'pong')).toBe(true);
    expect(canaryCheck('ping', 'pong')).toBe(false);
  });

  it('matches /regex/ expectations', () => {
    expect(canaryCheck('7 x 6 = 42', '/\\b42\\b/')).toBe(true);
    expect(canaryCheck('421', '/\\b42\\b/')).toBe(false);
    expect(canaryCheck('YES', '/^yes$/i')).toBe(true);
    expect(canaryCheck('yes', /^YES$/i)).toBe(true);
  });

  it('judges reasoning models on their answer, not their thinking', () => {
    expect(canaryCheck('<think>maybe 41? no, 42</think>\nThe answer is 41', '/\\b42\\b/')).toBe(false);
    expect(canaryCheck('<think>pong is wrong... let me think</think>Answer: 42', '/\\b42\\b/')).toBe(true);
    expect(canaryCheck('<think>still thinking about pong', 'pong')).toBe(false);
    expect(stripReasoning('<thinking>x</thinking> ok ')).toBe('ok');
  });
});
