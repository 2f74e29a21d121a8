/**
 * Checking a canary probe's answer.
 * @packageDocumentation
 */

import { REGEX_EXPECTATION } from '../config/schema.js';

const REASONING_BLOCK = /<(think|thinking|reasoning|reflection)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;
const UNCLOSED_REASONING = /<(think|thinking|reasoning|reflection)\b[^>]*>[\s\S]*$/i;

/** A compiled expectation: call it with an answer. */
export type CanaryMatcher = (answerText: string) => boolean;

/**
 * Removes reasoning blocks (`<think>…</think>`, `<thinking>`, `<reasoning>`, `<reflection>`) so a
 * reasoning model is judged on its answer only; an unclosed block (the model ran out of tokens while
 * thinking) leaves no answer.
 */
export function stripReasoning(text: string): string {
  return text.replace(REASONING_BLOCK, '').replace(UNCLOSED_REASONING, '').trim();
}

/**
 * Compiles an expectation: `/regex/flags` or a plain string matched as a case-insensitive substring
 * (whitespace runs compare equal). An invalid regex is matched as a plain string.
 */
export function compileExpectation(expect: string | RegExp): CanaryMatcher {
  if (expect instanceof RegExp) {
    const re = new RegExp(expect.source, expect.flags.replace('g', '').replace('y', ''));
    return (text) => re.test(stripReasoning(text));
  }
  const m = REGEX_EXPECTATION.exec(expect);
  if (m) {
    try {
      const re = new RegExp(m[1]!, m[2]!.replace('g', '').replace('y', ''));
      return (text) => re.test(stripReasoning(text));
    } catch {
      // fall through to a substring match
    }
  }
  const needle = normalise(expect);
  return (text) => normalise(stripReasoning(text)).includes(needle);
}

/** True when `answerText` (reasoning blocks removed) matches `expect`; see {@link compileExpectation}. */
export function canaryCheck(answerText: string, expect: string | RegExp): boolean {
  return compileExpectation(expect)(answerText);
}

function normalise(text: string): string {
  return text.toLowerCase().replace(/\s+/g, ' ').trim();
}
