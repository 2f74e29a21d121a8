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
   * without ranking). Optional: without it (a plan with nothing deferred) `i < candidates.length - 1` says it.
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

/** A model and its candidate entries, one per source (shared by every plan: candidates are immutable). */
interface ModelEntry {
  readonly model: PlannableModel;
  readonly as: Readonly<Record<Candidate['source'], Candidate>>;
}

/** What every plan of one {@link Planner} reads: its models, by id too, and the live signals. */
interface Fleet {
  readonly models: readonly PlannableModel[];
  readonly byId: ReadonlyMap<string, ModelEntry>;
  readonly signals: PlannerSignals;
}

const NO_SKIPS: readonly SkippedModel[] = Object.freeze([]);

/**
 * One planning run: what was considered, what was planned and what was left out. A class rather than
 * closures over locals: a request's plan allocates this object and its lists, nothing more.
 */
class PlanRun implements Plan {
  readonly candidates: Candidate[] = [];
  skipped: readonly SkippedModel[] = NO_SKIPS;
  /** Model ids considered so far (a few: an array scan beats a `Set`'s allocation). */
  private readonly seen: string[] = [];
  /** Whether substitutes wait for {@link expand} (see {@link Planner.plan}). */
  private deferred = false;
  private expanded = false;

  constructor(
    private readonly fleet: Fleet,
    private readonly target: ResolvedTarget,
    private readonly required: readonly string[],
    private readonly minContext: number,
    private readonly options: PlanOptions,
  ) {}

  /** Plans `id` from `source` unless it was considered already or something excludes it. */
  consider(id: string, source: Candidate['source']): void {
    if (this.seen.includes(id)) return;
    this.seen.push(id);
    const entry = this.fleet.byId.get(id);
    if (!entry) return;
    const note = this.exclusion(entry.model);
    if (!note) this.candidates.push(entry.as[source]);
    else if (source !== 'substitute') {
      const skip = { model: id, note };
      this.skipped = this.skipped === NO_SKIPS ? [skip] : [...this.skipped, skip];
    }
  }

  /** Plans the substitutes now: the models not considered yet, best first. */
  substitute(): void {
    for (const model of this.rankedSubstitutes()) {
      if (!this.options.fallback && this.candidates.length > 0) break;
      const source = this.target.kind === 'route' && this.candidates.length === 0 ? 'primary' : 'substitute';
      this.consider(model.id, source);
    }
  }

  /** Leaves the substitutes to {@link expand}, when the walk gets there. */
  defer(): void {
    this.deferred = true;
  }

  mayFollow(i: number): boolean {
    if (i < this.candidates.length - 1) return true;
    return this.deferred && !this.expanded && this.anySubstitute();
  }

  expand(): void {
    if (!this.deferred || this.expanded) return;
    this.expanded = true;
    this.substitute();
  }

  /** True when some model not considered yet would be planned as a substitute (no ranking, no allocation). */
  private anySubstitute(): boolean {
    for (const model of this.fleet.models) {
      if (!this.seen.includes(model.id) && this.exclusion(model) === undefined) return true;
    }
    return false;
  }

  /** Models not yet considered, best first: health score, then latency, then cost. */
  private rankedSubstitutes(): PlannableModel[] {
    const rest = this.fleet.models.filter((m) => !this.seen.includes(m.id));
    if (!this.options.useHealth || rest.length < 2) return rest.sort((a, b) => a.cost - b.cost);
    // One ranking lookup per model, not two per comparison.
    const signals = this.fleet.signals;
    const keyed = rest.map((model) => ({ model, rank: signals.rank(model.id) }));
    keyed.sort(
      (a, b) =>
        b.rank.score - a.rank.score || a.rank.latencyMs - b.rank.latencyMs || a.model.cost - b.model.cost,
    );
    return keyed.map((k) => k.model);
  }

  /** Why `model` is left out of this plan, or undefined when it may be planned. */
  private exclusion(model: PlannableModel): SkippedModel['note'] | undefined {
    const options = this.options;
    if (!restrictionAllows(options.restriction, model)) return 'restricted';
    for (const cap of this.required) if (!model.capabilities.has(cap)) return 'capabilities';
    if (model.contextWindow > 0 && this.minContext > model.contextWindow) return 'context_window';
    if (options.consultBreakers && this.fleet.signals.isOpen(model.id)) return 'breaker_open';
    return undefined;
  }
}

/** Plans candidates over a fixed set of models. */
export class Planner {
  private readonly fleet: Fleet;

  constructor(models: readonly PlannableModel[], signals: PlannerSignals) {
    const byId = new Map<string, ModelEntry>();
    for (const model of models) {
      byId.set(model.id, {
        model,
        as: {
          primary: { model, source: 'primary' },
          chain: { model, source: 'chain' },
          substitute: { model, source: 'substitute' },
        },
      });
    }
    this.fleet = { models, byId, signals };
  }

  /** Builds the ordered candidate list for a resolved target. */
  plan(target: ResolvedTarget, options: PlanOptions): Plan {
    const required =
      target.kind === 'route' ? [...options.capabilities, ...target.capabilities] : options.capabilities;
    const minContext = Math.max(
      options.estimatedTokens,
      target.kind === 'route' ? target.minContextWindow : 0,
    );
    const run = new PlanRun(this.fleet, target, required, minContext, options);

    if (target.kind === 'model') {
      run.consider(target.id, 'primary');
      const fallbacks = this.fleet.byId.get(target.id)?.model.fallbacks ?? [];
      if (options.fallback) for (const id of fallbacks) run.consider(id, 'chain');
    } else {
      const members = target.kind === 'chain' ? target.members : target.prefer;
      for (let i = 0; i < members.length; i++) {
        if (i === 0 || options.fallback) run.consider(members[i]!, i === 0 ? 'primary' : 'chain');
      }
    }

    if (!(options.fallback || (target.kind === 'route' && run.candidates.length === 0))) return run;
    // Nothing else to try (or a route whose substitutes are its primaries): plan them now.
    if (run.candidates.length === 0 || !options.fallback) run.substitute();
    // Otherwise later, if the walk gets there: ranking every other model costs ~6 µs a request at 36.
    else run.defer();
    return run;
  }
}
