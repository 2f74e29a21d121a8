/**
 * `serve --workers N`: one primary process forks N gateway workers sharing the listening socket
 * (node:cluster). The workers share state through the configured store (Redis), or, without Redis,
 * through an in-host store the primary keeps and serves over IPC; each keeps its own audit chain in the
 * common data dir (merged by the admin audit query, verified together); `GET /metrics` on any worker
 * reports the whole process group (prom-client's AggregatorRegistry in the primary).
 * @packageDocumentation
 */
import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { StateConfig } from '../config/state-schema.js';
import { IpcStateStore, serveStateOverIpc } from '../state/ipc-state-store.js';
import { MemoryStateStore } from '../state/memory-state-store.js';
import type { StartGatewayOptions } from './start-gateway.js';

const ENV_INDEX = 'HIVE_WORKER_INDEX';
const ENV_BASE = 'HIVE_WORKER_INSTANCE_BASE';
const ENV_IPC_STATE = 'HIVE_WORKER_IPC_STATE';
const ENV_TIMEOUT = 'HIVE_WORKER_STATE_TIMEOUT';
/** Longer than prom-client's own 5 s wait for the workers' answers. */
const METRICS_TIMEOUT_MS = 6000;

/** True in a worker started by {@link runPrimary}. */
export function isGatewayWorker(): boolean {
  return cluster.isWorker && process.env[ENV_INDEX] !== undefined;
}

/** This worker's 1-based index (0 outside a worker). */
export function workerIndex(): number {
  return Number(process.env[ENV_INDEX] ?? 0) || 0;
}

/**
 * Runs the primary: forks `count` workers (restarting any that dies), serves the in-host state store
 * when `state.store` is `memory`, answers metrics requests, and on SIGINT/SIGTERM stops the workers.
 * Resolves once every worker has exited after a stop.
 * @param log - one line per event (worker started, died, stopping)
 */
export async function runPrimary(
  count: number,
  state: StateConfig,
  log: (line: string) => void,
): Promise<void> {
  const inHost = state.store === 'memory';
  const store = inHost ? new MemoryStateStore() : undefined;
  const aggregator = new AggregatorRegistry();
  const workers = new Map<number, Worker>();
  const base =
    state.instanceId ??
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 48);
  if (!process.env.HIVE_ADMIN_KEY)
    process.env.HIVE_ADMIN_KEY = `hra_${randomBytes(24).toString('base64url')}`;
  let stopping = false;

  const fork = (index: number): void => {
    const worker = cluster.fork({
      [ENV_INDEX]: String(index),
      [ENV_BASE]: base,
      [ENV_IPC_STATE]: inHost ? '1' : '0',
      [ENV_TIMEOUT]: String(state.commandTimeout),
    });
    workers.set(index, worker);
    if (store) serveStateOverIpc(store, worker, () => workers.values());
    worker.on('message', (raw: unknown) => {
      const m = raw as { hive?: unknown; id?: unknown } | null;
      if (m?.hive !== 'metrics' || typeof m.id !== 'number') return;
      aggregator.clusterMetrics().then(
        (text) => worker.send({ hive: 'metrics-reply', id: m.id, text }),
        (e: Error) => worker.send({ hive: 'metrics-reply', id: m.id, error: e.message }),
      );
    });
    worker.on('exit', (code, signal) => {
      if (workers.get(index) === worker) workers.delete(index);
      if (stopping) return;
      log(`worker ${index} exited (${signal ?? code}); starting it again`);
      fork(index);
    });
  };
  for (let i = 1; i <= count; i++) fork(i);
  log(
    `${count} workers (${inHost ? 'state shared through this primary process' : `state shared on ${state.store}`})`,
  );
  await new Promise<void>((resolve) => {
    const stop = (): void => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  stopping = true;
  log('stopping workers');
  await Promise.all(
    [...workers.values()].map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.process.kill('SIGTERM');
        }),
    ),
  );
  await store?.close();
}

/**
 * What a worker adds to its gateway options: its instance id (`<base>-w<index>`), the in-host store
 * when the primary keeps it, and `/metrics` for the whole group.
 */
export function workerGatewayOptions(): Partial<StartGatewayOptions> {
  const index = workerIndex();
  const commandTimeoutMs = Number(process.env[ENV_TIMEOUT]) || 250;
  const instanceId = `${process.env[ENV_BASE] ?? 'worker'}-w${index}`;
  const ipc = process.env[ENV_IPC_STATE] === '1';
  return {
    instanceId,
    stateStore: ipc
      ? {
          store: new IpcStateStore(processEndpoint(), commandTimeoutMs),
          name: 'the primary process (in-host)',
        }
      : undefined,
    renderMetrics: groupMetrics,
  };
}

/** Lets the primary's AggregatorRegistry collect this worker's registry. */
export function exposeWorkerRegistry(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one installs prom-client's worker-side listener that answers the primary.
  new AggregatorRegistry();
}

let metricsSeq = 0;
function groupMetrics(): Promise<string> {
  const id = ++metricsSeq;
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown): void => {
      const m = raw as { hive?: unknown; id?: unknown; text?: unknown; error?: unknown } | null;
      if (m?.hive !== 'metrics-reply' || m.id !== id) return;
      clearTimeout(timer);
      process.off('message', onMessage);
      if (typeof m.text === 'string') resolve(m.text);
      else reject(new Error(`process-group metrics failed: ${String(m.error)}`));
    };
    const timer = setTimeout(() => {
      process.off('message', onMessage);
      reject(new Error(`process-group metrics: no answer from the primary within ${METRICS_TIMEOUT_MS} ms`));
    }, METRICS_TIMEOUT_MS);
    process.on('message', onMessage);
    process.send?.({ hive: 'metrics', id });
  });
}

function processEndpoint() {
  return {
    send: (message: unknown) => process.send?.(message),
    on: (event: 'message', listener: (message: unknown) => void) => process.on(event, listener),
    off: (event: 'message', listener: (message: unknown) => void) => process.off(event, listener),
  };
}
