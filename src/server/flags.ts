/**
 * Feature flags for gradual rollout and rollback: each resilience feature is `on`, `off`, or on for a
 * percentage of requests, sticky per request key (FNV-1a hash of the key → bucket 0..99). With every flag
 * off the engine acts as a plain proxy to the requested model. A value set at runtime (admin API) is an
 * override of the configured one until it is cleared; overrides outlive a restart (see `flag-restore.ts`).
 * @packageDocumentation
 */
import { FEATURES, type FeatureName } from '../config/flags-schema.js';
import type { FeatureSwitches } from '../engine/types.js';

export { FEATURES, type FeatureName } from '../config/flags-schema.js';

/** A flag's mode. `percent` turns the feature on for requests whose bucket (0..99) is below `percent`. */
export type FlagMode =
  | { readonly mode: 'on' }
  | { readonly mode: 'off' }
  | { readonly mode: 'percent'; readonly percent: number };

/** Switches resolved for one request: the engine's switches plus emergency consensus. */
export interface ResolvedFeatures extends FeatureSwitches {
  readonly emergencyConsensus: boolean;
}

/** True when `name` is a feature. */
export function isFeatureName(name: string): name is FeatureName {
  return (FEATURES as readonly string[]).includes(name);
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The rollout bucket (0..99) of a request key. */
export function bucketOf(key: string): number {
  return fnv1a(key) % 100;
}

/** Formats a mode for humans and the audit log: `on`, `off`, `25%`. */
export function describeMode(mode: FlagMode): string {
  return mode.mode === 'percent' ? `${mode.percent}%` : mode.mode;
}

/** Reads what {@link describeMode} wrote; `undefined` for anything else. */
export function parseModeText(text: unknown): FlagMode | undefined {
  if (text === 'on' || text === 'off') return { mode: text };
  if (typeof text !== 'string') return undefined;
  // Fractions too: the admin API accepts any percentage from 0 to 100 (`12.5%`, even `1e-7%`, must
  // survive a restart).
  const m = /^([0-9][0-9.e+-]*)%$/.exec(text);
  const percent = m ? Number(m[1]) : Number.NaN;
  return percent >= 0 && percent <= 100 ? { mode: 'percent', percent } : undefined;
}

function enabled(mode: FlagMode, bucket: number): boolean {
  if (mode.mode === 'on') return true;
  if (mode.mode === 'off') return false;
  return bucket < mode.percent;
}

/** The live flag table. Reads are O(1); with no percentage flag, resolving allocates nothing. */
export class FeatureFlags {
  private modes: Record<FeatureName, FlagMode>;
  private configured: Readonly<Record<FeatureName, FlagMode>>;
  private readonly overrides = new Set<FeatureName>();
  private fixed: ResolvedFeatures | undefined;

  /** @param configured - the modes from the configuration (what clearing an override returns to) */
  constructor(configured: Readonly<Record<FeatureName, FlagMode>>) {
    this.configured = { ...configured };
    this.modes = { ...configured };
    this.fixed = this.computeFixed();
  }

  /** New configured modes (a config reload): flags without a runtime override follow them at once. */
  reconfigure(configured: Readonly<Record<FeatureName, FlagMode>>): void {
    this.configured = { ...configured };
    const modes = { ...this.modes };
    for (const f of FEATURES) if (!this.overrides.has(f)) modes[f] = configured[f];
    this.modes = modes;
    this.fixed = this.computeFixed();
  }

  /** A copy of every flag's mode. */
  list(): Record<FeatureName, FlagMode> {
    return { ...this.modes };
  }

  /** A copy of every flag's configured mode. */
  listConfigured(): Record<FeatureName, FlagMode> {
    return { ...this.configured };
  }

  /** The features whose mode was set at runtime (overriding the configuration). */
  listOverrides(): FeatureName[] {
    return FEATURES.filter((f) => this.overrides.has(f));
  }

  /** One flag's mode. */
  get(feature: FeatureName): FlagMode {
    return this.modes[feature];
  }

  /** Sets a flag at runtime (an override of the configured mode); returns the previous mode. */
  set(feature: FeatureName, mode: FlagMode): FlagMode {
    this.overrides.add(feature);
    return this.apply(feature, mode);
  }

  /** Drops a runtime override: the flag returns to its configured mode. Returns the previous mode. */
  clear(feature: FeatureName): FlagMode {
    this.overrides.delete(feature);
    return this.apply(feature, this.configured[feature]);
  }

  private apply(feature: FeatureName, mode: FlagMode): FlagMode {
    const from = this.modes[feature];
    this.modes = { ...this.modes, [feature]: mode };
    this.fixed = this.computeFixed();
    return from;
  }

  /**
   * Resolves the switches for one request.
   * @param stickyKey - called only when some flag is a percentage; the same key always gets the same bucket
   */
  resolve(stickyKey: () => string): ResolvedFeatures {
    if (this.fixed) return this.fixed;
    const bucket = bucketOf(stickyKey());
    const m = this.modes;
    return {
      health: enabled(m.health, bucket),
      breaker: enabled(m.breaker, bucket),
      retries: enabled(m.retries, bucket),
      fallback: enabled(m.fallback, bucket),
      hedging: enabled(m.hedging, bucket),
      emergencyConsensus: enabled(m.emergencyConsensus, bucket),
    };
  }

  private computeFixed(): ResolvedFeatures | undefined {
    for (const f of FEATURES) if (this.modes[f].mode === 'percent') return undefined;
    return Object.freeze({
      health: this.modes.health.mode === 'on',
      breaker: this.modes.breaker.mode === 'on',
      retries: this.modes.retries.mode === 'on',
      fallback: this.modes.fallback.mode === 'on',
      hedging: this.modes.hedging.mode === 'on',
      emergencyConsensus: this.modes.emergencyConsensus.mode === 'on',
    });
  }
}
