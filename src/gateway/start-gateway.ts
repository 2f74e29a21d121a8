/**
 * The composition root: loads the config, builds the engine, audit log, metrics and alerting, wires
 * the engine's events to them, and starts the HTTP gateway. The CLI's `serve` calls this.
 * @packageDocumentation
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { type AlertManager, createAlertManager } from '../alerts/index.js';
import { AggregatingAuditLog } from '../audit/aggregating-audit-log.js';
import type { AuditLog } from '../audit/audit-log.js';
import { InstanceAuditLogs, instanceAuditFile } from '../audit/instance-audit.js';
import { MemoryAuditLog } from '../audit/memory-audit-log.js';
import { SqliteAuditLog } from '../audit/sqlite-audit-log.js';
import { ConfigError, formatIssue, loadConfig } from '../config/index.js';
import type { HiveConfig } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { ResilienceEngine } from '../engine/resilience-engine.js';
import { createGatewayServer } from '../server/app.js';
import { FeatureFlags } from '../server/flags.js';
import { compileGatewaySettings, type GatewaySettings, hashKey } from '../server/settings.js';
import type { StateStore } from '../state/state-store.js';
import { createMetrics, type GatewayMetrics } from '../telemetry/index.js';
import { RequestTimeline } from '../telemetry/request-timeline.js';
import { EventAuditor } from './audit-events.js';
import { DEFAULT_CONFIG_PATH } from './default-config.js';
import { EngineBackend } from './engine-backend.js';
import { createGatewayLogger, type LogFormat } from './logger.js';
import { checkedConfigSource } from './reload-source.js';
import { RoundBoard } from './round-board.js';
import { instanceIdFor, openSharedStore } from './shared-state.js';
import { StateSync } from './state-sync.js';

export { DEFAULT_CONFIG_PATH } from './default-config.js';

/** Options of {@link startGateway}. */
export interface StartGatewayOptions {
  /** Config file (YAML or JSON); the embedded default when omitted. */
  readonly configPath?: string;
  /** Overrides `server.host`. */
  readonly host?: string;
  /** Overrides `server.port` (0 = any free port). */
  readonly port?: number;
  /** Where the audit database lives (default `audit.dataDir` or `./.data`); `':memory:'` keeps it in memory. */
  readonly dataDir?: string;
  /**
   * An admin key to accept with `admin` scope when the config defines none. Default: `HIVE_ADMIN_KEY`, else
   * a random key made for this run (returned, and printed once by the CLI).
   */
  readonly adminKey?: string;
  /** Logger (default: pino on stdout at `server.logLevel`, in `logFormat`); `false` for none. */
  readonly logger?: Logger | false;
  /** Format of the default logger: `json` lines (default) or readable `pretty` lines. */
  readonly logFormat?: LogFormat;
  /** Environment for `${VAR}` interpolation (default `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Time source (tests). */
  readonly clock?: Clock;
  /** Run active health probes (default true). */
  readonly probes?: boolean;
  /** Overrides `state.instanceId` (default `hostname-pid`). */
  readonly instanceId?: string;
  /**
   * A store to share state through instead of the one `state` configures (e.g. one in-process store for
   * several gateways in a test, or a store the primary process keeps for its workers).
   */
  readonly stateStore?: { readonly store: StateStore; readonly name: string };
  /**
   * What `GET /metrics` serves instead of this process's own metrics (a worker of `serve --workers N`
   * serves the whole process group's).
   */
  readonly renderMetrics?: () => Promise<string>;
}

/** A running gateway. */
export interface RunningGateway {
  /** `http://host:port`. */
  readonly url: string;
  readonly engine: ResilienceEngine;
  /** The audit log; repeated per-request decisions are counted per `audit.aggregateWindow` (`flush()` writes them now). */
  readonly audit: AggregatingAuditLog;
  readonly alerts: AlertManager;
  readonly metrics: GatewayMetrics;
  /** This instance's id (in shared-state messages and audit records). */
  readonly instanceId: string;
  /** The shared-state link, when state is shared with other instances. */
  readonly sharedState: StateSync | undefined;
  /**
   * Voting rounds shown by the admin API and the dashboard: run a round on this gateway's engine with
   * `runRound(gateway.rounds.track(options))` to see it live.
   */
  readonly rounds: RoundBoard;
  /** The admin key made for this run, when the config had none and none was given. */
  readonly generatedAdminKey: string | undefined;
  readonly configPath: string;
  /** Stops serving, then flushes and closes everything. */
  close(): Promise<void>;
}

/**
 * Loads a config file for the gateway, turning validation errors into readable lines: what `serve`,
 * `config validate` and a reload all refuse, with the same messages. A gateway without models answers
 * every request with an error, so a file that defines none (an empty or emptied file) is refused too.
 */
export async function readConfig(
  path: string,
  env?: Readonly<Record<string, string | undefined>>,
): Promise<{ ok: true; config: HiveConfig } | { ok: false; errors: string[] }> {
  try {
    const config = await loadConfig(path, { env });
    if (Object.keys(config.models).length === 0)
      return {
        ok: false,
        errors: ['models: expected at least one model (the file is empty or defines none)'],
      };
    return { ok: true, config };
  } catch (error) {
    if (error instanceof ConfigError) return { ok: false, errors: error.issues.map(formatIssue) };
    return { ok: false, errors: [error instanceof Error ? error.message : String(error)] };
  }
}

/**
 * Starts the whole gateway from a config file: engine, audit log, metrics, alerting, the server's
 * {@link EngineBackend}, then `createGatewayServer` (the HTTP layer alone), listening.
 * @throws Error listing every problem when the config or the gateway settings are invalid
 */
export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const configPath = options.configPath ?? DEFAULT_CONFIG_PATH;
  const loaded = await readConfig(configPath, options.env);
  if (!loaded.ok) throw new Error(`invalid configuration in ${configPath}:\n  ${loaded.errors.join('\n  ')}`);
  const config = loaded.config;
  let generatedAdminKey: string | undefined;
  const localAdminKey = (): string => {
    const key = options.adminKey ?? (options.env ?? process.env).HIVE_ADMIN_KEY ?? undefined;
    if (key) return key;
    generatedAdminKey ??= `hra_${randomBytes(24).toString('base64url')}`;
    return generatedAdminKey;
  };
  // Without admin keys in the file, the local admin key is accepted (at start and after every reload).
  const complete = (s: GatewaySettings): GatewaySettings =>
    s.security.adminKeys.length > 0
      ? s
      : {
          ...s,
          security: {
            ...s.security,
            adminKeys: [{ name: 'local-admin', digest: hashKey(localAdminKey()), scope: 'admin' }],
          },
        };
  const settings = complete(compileGatewaySettings(config));
  const logger =
    options.logger === false
      ? undefined
      : (options.logger ??
        (await createGatewayLogger({ level: settings.server.logLevel, format: options.logFormat })));
  const instanceId = instanceIdFor(config.state, options.instanceId);
  const shared = options.stateStore ?? (await openSharedStore(config.state, instanceId));
  // Sharing state means other instances: each keeps its own chain, with its id in every record.
  const audit = new AggregatingAuditLog(
    openAudit(options.dataDir ?? config.audit.dataDir, logger, shared ? instanceId : undefined),
    { clock: options.clock, windowMs: config.audit.aggregateWindow },
  );
  let sync: StateSync | undefined;
  const engine = ResilienceEngine.fromConfig(config, {
    clock: options.clock,
    probes: options.probes,
    probeClaim: shared
      ? (model, interval) => sync?.probeClaim(model, interval) ?? Promise.resolve(true)
      : undefined,
  });
  const metrics = createMetrics();
  const alerts = createAlertManager({
    settings: config.alerts,
    clock: options.clock,
    logger: logger ?? silentAlertLogger,
  });
  const backend = new EngineBackend(
    engine,
    checkedConfigSource({ configPath, env: options.env, started: config, complete }),
  );
  metrics.setGaugeSource({
    // The breakers' own states (what events carry too), read without building admin snapshots.
    breakers: () =>
      [...engine.current.models.values()].map((m) => ({ model: m.spec.id, state: m.breaker.state })),
    health: () => engine.health.all().map((h) => ({ model: h.modelId, status: h.status, score: h.score })),
    retryBudget: () => engine.budget.tokens,
  });
  metrics.setModelLookup((id) => {
    const spec = engine.current.models.get(id)?.spec;
    return spec ? { provider: spec.provider, cost: spec.cost } : undefined;
  });
  const timeline = new RequestTimeline({ clock: options.clock });
  const rounds = new RoundBoard(options.clock);
  const auditor = new EventAuditor(audit);
  const subscription = engine.events.on((event) => {
    metrics.observe(event);
    timeline.observe(event);
    alerts.observe(event);
    auditor.observe(event);
  });
  alerts.onAlert.on((n) =>
    audit.append({
      type: `alert.${n.kind}`,
      actor: 'system',
      reason: n.alert.summary,
      data: { rule: n.alert.rule, subject: n.alert.subject, severity: n.alert.severity },
    }),
  );
  const flags = new FeatureFlags(settings.flags);
  if (shared) {
    sync = new StateSync({
      store: shared.store,
      storeName: shared.name,
      instanceId,
      engine,
      backend,
      flags,
      settings: config.state,
      clock: options.clock ?? systemClock,
      sinks: {
        alert: (e) => alerts.observe(e),
        log: (level, fields, message) => logger?.[level]({ ...fields, instance: instanceId }, message),
      },
    });
  }
  engine.start();
  const app = await createGatewayServer({
    backend,
    settings,
    audit,
    metrics: options.renderMetrics
      ? {
          contentType: metrics.contentType,
          render: options.renderMetrics,
          recordOperation: (op) => metrics.recordOperation(op),
        }
      : metrics,
    flags,
    onEvent: sync ? (e) => sync?.onGatewayEvent(e) : undefined,
    logger: logger ?? false,
    clock: options.clock,
    sources: {
      timeline,
      rounds,
      alerts: { active: alerts.active, history: alerts.history, onNotice: (l) => alerts.onAlert.on(l) },
    },
  });
  // After the flag overrides recorded in this instance's audit log are restored: the shared ones win.
  await sync?.start();
  const host = options.host ?? settings.server.host;
  const port = options.port ?? settings.server.port;
  let url: string;
  try {
    url = await app.listen({ host, port });
  } catch (error) {
    await Promise.allSettled([app.close(), engine.close(), sync?.close()]);
    if (!options.stateStore) await shared?.store.close();
    alerts.stop();
    audit.close();
    throw error;
  }
  return {
    url: url.replace('[::1]', '127.0.0.1'),
    engine,
    audit,
    alerts,
    metrics,
    rounds,
    generatedAdminKey,
    configPath,
    instanceId,
    sharedState: sync,
    close: async () => {
      await app.close();
      await sync?.close();
      if (!options.stateStore) await shared?.store.close();
      subscription.dispose();
      backend.dispose();
      alerts.stop();
      await engine.close();
      await audit.flush();
      audit.close();
    },
  };
}

const silentAlertLogger = { info() {}, warn() {}, error() {} };

/**
 * The audit log: `audit.sqlite` for a lone instance; with `instance`, that instance's own chain
 * (`audit-<instance>.sqlite`) read together with the other instances' chains in the same directory.
 */
function openAudit(
  dataDirOption: string | undefined,
  logger: Logger | undefined,
  instance: string | undefined,
): AuditLog {
  const dataDir = dataDirOption ?? '.data';
  const onError = (e: Error): void => logger?.error({ err: e.message }, 'audit log write failed');
  if (dataDir === ':memory:') return new MemoryAuditLog({ onError, instance });
  if (instance === undefined) return new SqliteAuditLog({ dataDir, onError });
  const own = new SqliteAuditLog({ path: instanceAuditFile(dataDir, instance), onError, instance });
  return new InstanceAuditLogs(own, dataDir, instance);
}
