/**
 * Degraded mode (`resilience.degradedModeThreshold`): the engine is degraded while fewer than that
 * percent of its models are `healthy`. Entering and leaving emit one `engine.mode_changed` event each;
 * while degraded the engine suspends hedging (a hedge doubles the load on a fleet that is already failing).
 * @packageDocumentation
 */
import type { Clock } from '../core/clock.js';
import type { EventEmitter } from '../core/event-emitter.js';
import type { HealthMonitor } from '../health/health-monitor.js';
import type { EngineEvent } from './events.js';

/** Tracks degraded mode from the models' health statuses. */
export class DegradedMode {
  private on = false;

  constructor(
    private readonly health: HealthMonitor,
    private readonly events: EventEmitter<EngineEvent>,
    private readonly clock: Clock,
  ) {}

  /** True while degraded. */
  get degraded(): boolean {
    return this.on;
  }

  /** Recomputes the mode over `models` against `thresholdPercent`; emits the change, if any. */
  update(models: Iterable<string>, thresholdPercent: number): void {
    let total = 0;
    let healthy = 0;
    for (const id of models) {
      total++;
      if (this.health.status(id) === 'healthy') healthy++;
    }
    if (total === 0) return;
    const healthyPercent = (100 * healthy) / total;
    const degraded = healthyPercent < thresholdPercent;
    if (degraded === this.on) return;
    this.on = degraded;
    this.events.emit({
      type: 'engine.mode_changed',
      degraded,
      healthyPercent,
      threshold: thresholdPercent,
      at: this.clock.wallNow(),
    });
  }
}
