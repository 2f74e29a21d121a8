/**
 * The planner's ordering: primary, configured fallbacks, then substitutes ranked by health score, latency
 * and cost, with one ranking lookup per model; restrictions, capabilities and open breakers filter.
 */
import { describe, expect, it } from 'vitest';
import {
  candidateAt,
  hasCandidateAfter,
  type ModelRank,
  type PlannableModel,
  Planner,
} from '../../src/engine/planner.js';

function model(id: string, extra: Partial<PlannableModel> = {}): PlannableModel {
  return {
    id,
    provider: 'openai',
    providerName: 'example.com',
    capabilities: new Set(['json']),
    contextWindow: 8000,
    fallbacks: [],
    cost: 1,
    ...extra,
  };
}

function planner(models: PlannableModel[], ranks: Record<string, ModelRank>, open: string[] = []) {
  const lookups: string[] = [];
  const p = new Planner(models, {
    rank: (id) => {
      lookups.push(id);
      return ranks[id] ?? { score: 1, latencyMs: 0 };
    },
    isOpen: (id) => open.includes(id),
  });
  return { p, lookups };
}

const options = {
  capabilities: [],
  estimatedTokens: 10,
  fallback: true,
  consultBreakers: true,
  useHealth: true,
};

describe('planner', () => {
  it('ranks substitutes by score, then latency, then cost, looking each model up once', () => {
    const models = [
      model('primary', { fallbacks: ['chain'] }),
      model('chain'),
      model('slow', { cost: 0.1 }),
      model('sick'),
      model('fast'),
      model('cheap', { cost: 0.5 }),
    ];
    const { p, lookups } = planner(models, {
      slow: { score: 0.9, latencyMs: 900 },
      sick: { score: 0.2, latencyMs: 10 },
      fast: { score: 0.9, latencyMs: 100 },
      cheap: { score: 0.9, latencyMs: 100 },
    });
    const plan = p.plan({ kind: 'model', id: 'primary' }, options);
    // Substitutes are planned only when the walk needs them: nothing ranked yet, but one may follow.
    expect(plan.candidates.map((c) => c.model.id)).toEqual(['primary', 'chain']);
    expect(lookups).toEqual([]);
    expect(plan.mayFollow?.(1)).toBe(true);
    expect(candidateAt(plan, 2)?.model.id).toBe('cheap');
    expect(plan.candidates.map((c) => [c.model.id, c.source])).toEqual([
      ['primary', 'primary'],
      ['chain', 'chain'],
      ['cheap', 'substitute'],
      ['fast', 'substitute'],
      ['slow', 'substitute'],
      ['sick', 'substitute'],
    ]);
    expect(lookups.sort()).toEqual(['cheap', 'fast', 'sick', 'slow']);
    expect(hasCandidateAfter(plan, 5)).toBe(false);
    plan.expand?.(); // once
    expect(plan.candidates).toHaveLength(6);
  });

  it('says no candidate may follow when every other model is excluded, without ranking them', () => {
    const models = [model('primary'), model('open'), model('restricted')];
    const { p, lookups } = planner(models, {}, ['open']);
    const plan = p.plan(
      { kind: 'model', id: 'primary' },
      { ...options, restriction: { models: new Set(['primary', 'open']) } },
    );
    expect(plan.candidates.map((c) => c.model.id)).toEqual(['primary']);
    expect(hasCandidateAfter(plan, 0)).toBe(false);
    expect(lookups).toEqual([]);
  });

  it('plans the substitutes at once when nothing else can serve (the primary left out)', () => {
    const models = [model('primary'), model('other')];
    const { p } = planner(models, {}, ['primary']);
    const plan = p.plan({ kind: 'model', id: 'primary' }, options);
    expect(plan.candidates.map((c) => c.model.id)).toEqual(['other']);
    expect(plan.skipped).toEqual([{ model: 'primary', note: 'breaker_open' }]);
  });

  it('skips open breakers and restricted models, and plans only the primary without fallback', () => {
    const models = [model('primary', { fallbacks: ['chain'] }), model('chain'), model('other')];
    const { p } = planner(models, {}, ['chain']);
    const plan = p.plan(
      { kind: 'model', id: 'primary' },
      { ...options, restriction: { models: new Set(['primary', 'chain']) } },
    );
    expect(plan.candidates.map((c) => c.model.id)).toEqual(['primary']);
    expect(plan.skipped).toEqual([{ model: 'chain', note: 'breaker_open' }]);
    const alone = p.plan({ kind: 'model', id: 'primary' }, { ...options, fallback: false });
    expect(alone.candidates.map((c) => c.model.id)).toEqual(['primary']);
  });

  it('keeps each plan its own: skips in order, no substitutes after a plan without fallback, no leak between plans', () => {
    const models = [model('primary', { fallbacks: ['a', 'b'] }), model('a'), model('b'), model('other')];
    const { p, lookups } = planner(models, {}, ['a', 'b']);
    const first = p.plan({ kind: 'model', id: 'primary' }, options);
    expect(first.skipped).toEqual([
      { model: 'a', note: 'breaker_open' },
      { model: 'b', note: 'breaker_open' },
    ]);
    const alone = p.plan({ kind: 'model', id: 'primary' }, { ...options, fallback: false });
    expect(alone.skipped).toEqual([]);
    // Nothing deferred: nothing may follow the primary, and asking for more plans nothing.
    expect(hasCandidateAfter(alone, 0)).toBe(false);
    expect(candidateAt(alone, 1)).toBeUndefined();
    expect(alone.candidates.map((c) => c.model.id)).toEqual(['primary']);
    // The first plan still walks to its substitute; the second is unchanged by it.
    expect(candidateAt(first, 1)?.model.id).toBe('other');
    expect(first.candidates.map((c) => [c.model.id, c.source])).toEqual([
      ['primary', 'primary'],
      ['other', 'substitute'],
    ]);
    expect(alone.candidates).toHaveLength(1);
    expect(lookups).toEqual([]); // one substitute left: nothing to rank
  });

  it('leaves out substitutes that lack a capability the request needs', () => {
    const models = [
      model('primary'),
      model('vision', { capabilities: new Set(['json', 'vision']) }),
      model('text'),
    ];
    const { p } = planner(models, {});
    const plan = p.plan(
      { kind: 'route', name: 'see', capabilities: ['vision'], minContextWindow: 0, prefer: [] },
      options,
    );
    expect(plan.candidates.map((c) => [c.model.id, c.source])).toEqual([['vision', 'primary']]);
  });
});
