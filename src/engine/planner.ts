/**
 * The planner turns a request's target (model, alias, chain or capability route) into an ordered list of
 * candidates: the primary, its configured fallbacks or chain, then capability-based substitutes ranked by
 * health, latency and cost. The substitutes are ranked only when a walk reaches them (`Plan.expand`): most
 * requests are served by their first candidate, and ranking a 36-model fleet costs several µs a request.
 * Models the request's data restriction excludes are never planned.
 * @packageDocumentation
 */
import type { DataRestriction } from './types.js';

/**
 * Whether a client key's data restriction lets `model` see the request: the model is listed (when
 * models are restricted) and its provider kind or provider name (the base URL's host) is listed (when
 * providers are). The planner and the model list both decide with this.
 */
export function restrictionAllows(
  restriction: DataRestriction | undefined,
  model: { readonly id: string; readonly provider: string; readonly providerName: string },
): boolean {
  if (!restriction) return true;
  if (restriction.models && !restriction.models.has(model.id)) return false;
  const providers = restriction.providers;
  return !providers || providers.has(model.provider) || providers.has(model.providerName);
}

/** What the planner knows about one model. */
export interface PlannableModel {
  readonly id: string;
  /** Provider kind (`openai`, `anthropic`, `simulated`). */
  readonly provider: string;
  /** Optional provider name (e.g. `openai`, `deepseek`) for data restrictions by provider. */
  readonly providerName: string;
  readonly capabilities: ReadonlySet<string>;
  readonly contextWindow: number;
  readonly fallbacks: readonly string[];
  /** Cost per 1k output tokens, for ranking substitutes (0 when unknown). */
  readonly cost: number;
}

/** What a target names. */
export type ResolvedTarget =
  | { readonly kind: 'model'; readonly id: string }
  | { readonly kind: 'chain'; readonly name: string; readonly members: readonly string[] }
  | {
      readonly kind: 'route';
      readonly name: string;
      readonly capabilities: readonly string[];
      readonly minContextWindow: number;
      readonly prefer: readonly string[];
    };

/** How a model ranks as a substitute. */
export interface ModelRank {
  /** 0..1 health score (1 = perfect). */
  readonly score: number;
  /** Median latency in ms (0 when unknown). */
  readonly latencyMs: number;
}

/** Live signals the planner ranks and filters by. */
export interface PlannerSignals {
  /** The model's health score and latency (may be a recent cached reading; ranking needs no more). */
  rank(model: string): ModelRank;
  /** True when the model's breaker currently rejects calls. */
  isOpen(model: string): boolean;
}

/** One planned candidate. */
export interface Candidate {
  readonly model: PlannableModel;
  /** `primary`, `chain` (configured fallback or chain member) or `substitute` (capability match). */
  readonly source: 'primary' | 'chain' | 'substitute';
}

/** A model the planner left out, and why. */
export interface SkippedModel {
  readonly model: string;
  readonly note: 'breaker_open' | 'restricted' | 'context_window' | 'capabilities';
}

/** The plan for one request. */
export interface Plan {
  /**
   * The candidates in order. Capability-based substitutes are planned only when the walk needs them (most
   * requests are served by their primary): {@link Plan.expand} appends them to this same array.
   */
  readonly candidates: readonly Candidate[];
  readonly skipped: readonly SkippedModel[];
  /**
   * True when a candidate may follow index `i`: a planned one, or a substitute not planned yet (checked
   * without ranking). Absent on a plan with nothing deferred: then `i < candidates.length - 1` says it.
   */
  readonly mayFollow?: (i: number) => boolean;
  /** Plans the deferred substitutes (ranked now) and appends them to `candidates`; once; else a no-op. */
  readonly expand?: () => void;
}

/** True when a candidate may follow index `i` of `plan` (see {@link Plan.mayFollow}). */
export function hasCandidateAfter(plan: Plan, i: number): boolean {
  return i < plan.candidates.length - 1 || (plan.mayFollow?.(i) ?? false);
}

/** `plan`'s candidate `i`, planning deferred substitutes when `i` is past the planned ones. */
export function candidateAt(plan: Plan, i: number): Candidate | undefined {
  if (i >= plan.candidates.length) plan.expand?.();
  return plan.candidates[i];
}

/** Options for one planning run. */
export interface PlanOptions {
  readonly capabilities: readonly string[];
  readonly estimatedTokens: number;
  readonly restriction?: DataRestriction;
  /** Add configured fallbacks and substitutes (the `fallback` feature). */
  readonly fallback: boolean;
  /** Skip models whose breaker is open (the `breaker` feature). */
  readonly consultBreakers: boolean;
  /** Rank substitutes by health (the `health` feature). */
  readonly useHealth: boolean;
}

/** Plans candidates over a fixed set of models. */
export class Planner {
  private readonly byId: ReadonlyMap<string, PlannableModel>;

  constructor(
    private readonly models: readonly PlannableModel[],
    private readonly signals: PlannerSignals,
  ) {
    this.byId = new Map(models.map((m) => [m.id, m]));
  }

  /** Builds the ordered candidate list for a resolved target. */
  plan(target: ResolvedTarget, options: PlanOptions): Plan {
    const skipped: SkippedModel[] = [];
    const candidates: Candidate[] = [];
    const seen = new Set<string>();
    const required =
      target.kind === 'route' ? [...options.capabilities, ...target.capabilities] : options.capabilities;
    const minContext = Math.max(
      options.estimatedTokens,
      target.kind === 'route' ? target.minContextWindow : 0,
    );

    const consider = (id: string, source: Candidate['source']): void => {
      if (seen.has(id)) return;
      seen.add(id);
      const model = this.byId.get(id);
      if (!model) return;
      const note = this.exclusion(model, required, minContext, options);
      if (!note) candidates.push({ model, source });
      else if (source !== 'substitute') skipped.push({ model: id, note });
    };

    if (target.kind === 'model') {
      consider(target.id, 'primary');
      if (options.fallback) for (const id of this.byId.get(target.id)?.fallbacks ?? []) consider(id, 'chain');
    } else if (target.kind === 'chain') {
      target.members.forEach((id, i) => {
        if (i === 0 || options.fallback) consider(id, i === 0 ? 'primary' : 'chain');
      });
    } else {
      target.prefer.forEach((id, i) => {
        if (i === 0 || options.fallback) consider(id, i === 0 ? 'primary' : 'chain');
      });
    }

    if (!(options.fallback || (target.kind === 'route' && candidates.length === 0))) {
      return { candidates, skipped };
    }
    const substitute = (): void => {
      const substitutes = this.rankedSubstitutes(seen, options.useHealth);
      for (const model of substitutes) {
        if (!options.fallback && candidates.length > 0) break;
        const source = target.kind === 'route' && candidates.length === 0 ? 'primary' : 'substitute';
        consider(model.id, source);
      }
    };
    // Nothing else to try (or a route whose substitutes are its primaries): plan them now.
    if (candidates.length === 0 || !options.fallback) {
      substitute();
      return { candidates, skipped };
    }
    // Otherwise later, if the walk gets there: ranking every other model costs ~6 µs a request at 36.
    let expanded = false;
    return {
      candidates,
      skipped,
      mayFollow: (i) =>
        i < candidates.length - 1 || (!expanded && this.anySubstitute(seen, required, minContext, options)),
      expand: () => {
        if (expanded) return;
        expanded = true;
        substitute();
      },
    };
  }

  /** Models not yet considered, best first: health score, then latency, then cost. */
  /** True when some model not considered yet would be planned as a substitute (no ranking, no allocation). */
  private anySubstitute(
    seen: ReadonlySet<string>,
    required: readonly string[],
    minContext: number,
    options: PlanOptions,
  ): boolean {
    for (const model of this.models) {
      if (!seen.has(model.id) && this.exclusion(model, required, minContext, options) === undefined)
        return true;
    }
    return false;
  }

  private rankedSubstitutes(seen: ReadonlySet<string>, useHealth: boolean): PlannableModel[] {
    const rest = this.models.filter((m) => !seen.has(m.id));
    if (!useHealth || rest.length < 2) return rest.sort((a, b) => a.cost - b.cost);
    // One ranking lookup per model, not two per comparison.
    const keyed = rest.map((model) => ({ model, rank: this.signals.rank(model.id) }));
    keyed.sort(
      (a, b) =>
        b.rank.score - a.rank.score || a.rank.latencyMs - b.rank.latencyMs || a.model.cost - b.model.cost,
    );
    return keyed.map((k) => k.model);
  }

  private exclusion(
    model: PlannableModel,
    required: readonly string[],
    minContext: number,
    options: PlanOptions,
  ): SkippedModel['note'] | undefined {
    if (!restrictionAllows(options.restriction, model)) return 'restricted';
    for (const cap of required) if (!model.capabilities.has(cap)) return 'capabilities';
    if (model.contextWindow > 0 && minContext > model.contextWindow) return 'context_window';
    if (options.consultBreakers && this.signals.isOpen(model.id)) return 'breaker_open';
    return undefined;
  }
}
