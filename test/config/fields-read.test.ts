/**
 * Every config field does something: each leaf of the validated config (`HiveConfig`, walked through its
 * records and arrays) must be read somewhere in `src` outside `src/config`, where reading means using, not
 * validating. Reads are found by the TypeScript checker (see `config-reads.ts`), so a field is told apart
 * from a same-named one elsewhere, and a value copied into another object counts only when that copy is read.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { configSchema, schemaLeafPaths } from '../../src/config/index.js';
import {
  type ConfigLeaf,
  configLeaves,
  filesOutsideConfig,
  isRead,
  leafPath,
  mergeGraphs,
  type ReadGraph,
  scanReads,
  sourceProgram,
} from './config-reads.js';

/** Fields that exist for tools, not for the gateway. */
const NOT_RUNTIME: Readonly<Record<string, string>> = {
  $schema: 'points editors at the JSON Schema; nothing at run time reads it',
};

/**
 * Fields validated but not wired yet, each with the issue that wires it. The test fails while a listed field
 * is read, so an entry must be removed as soon as its field takes effect (issue 9's four, chains.*.maxRetries,
 * chains.*.timeoutMs, resilience.maxConcurrentRequests and resilience.degradedModeThreshold, were removed
 * when the engine started reading them).
 */
const PENDING: Readonly<Record<string, string>> = {};

describe('every config field is read', () => {
  let leaves: ConfigLeaf[];
  let perFile: Map<string, ReadGraph>;
  let graph: ReadGraph;

  beforeAll(() => {
    const program = sourceProgram();
    leaves = configLeaves(program);
    perFile = new Map(filesOutsideConfig(program).map((f) => [f, scanReads(program, f)]));
    graph = mergeGraphs(perFile.values());
  }, 300_000);

  it('walks every field of the zod schema', () => {
    const fromType = leaves.map((l) => l.path).sort();
    const fromSchema = schemaLeafPaths(configSchema).map(leafPath).sort();
    expect(fromType).toEqual(fromSchema);
    expect(fromType.length).toBeGreaterThan(100);
    for (const path of [
      'server.port',
      'alerts.notifiers[].url',
      'models.*.probe.kind',
      'flags.retries.percent',
    ]) {
      expect(fromType).toContain(path);
    }
  });

  it('finds no field that nothing reads (besides the listed ones)', () => {
    const unread = leaves.filter((l) => !isRead(graph, l.declarations)).map((l) => l.path);
    const unexplained = unread.filter((p) => !(p in NOT_RUNTIME) && !(p in PENDING));
    expect(unexplained, 'read these fields where they take effect, or remove them from the schema').toEqual(
      [],
    );
  });

  it('lists only fields that exist and are still unread (remove an entry once its field is read)', () => {
    const byPath = new Map(leaves.map((l) => [l.path, l]));
    for (const path of [...Object.keys(PENDING), ...Object.keys(NOT_RUNTIME)]) {
      const leaf = byPath.get(path);
      expect(leaf, `${path} is not a config field`).toBeDefined();
      expect(isRead(graph, leaf!.declarations), `${path} is read now: remove it from the list`).toBe(false);
    }
  });

  it('can fail: a field whose readers are left out counts as unread', () => {
    const leaf = leaves.find((l) => l.path === 'server.sseHeartbeatMs')!;
    expect(isRead(graph, leaf.declarations)).toBe(true);
    const readers = [...perFile.keys()].filter((f) => readFileSync(f, 'utf8').includes('sseHeartbeatMs'));
    expect(readers.length).toBeGreaterThan(0);
    const without = mergeGraphs([...perFile].filter(([f]) => !readers.includes(f)).map(([, g]) => g));
    expect(isRead(without, leaf.declarations)).toBe(false);
  });

  it('can fail: a value only copied into another object is not a read until the copy is read', () => {
    // chains.<name>.maxRetries is copied into ChainSpec by the registry; only a read of that copy would count.
    const leaf = leaves.find((l) => l.path === 'chains.*.maxRetries')!;
    const copies = [...graph.flows.entries()].filter(([from]) => leaf.declarations.includes(from));
    expect(copies.length).toBeGreaterThan(0);
  });
});
