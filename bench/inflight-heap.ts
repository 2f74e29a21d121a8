/**
 * `npx tsx bench/inflight-heap.ts [requests]` (`npm run bench:inflight`): the heap a server keeps per
 * request while the request waits for its upstream, for the yardstick (the bare Fastify + undici proxy)
 * and our gateway, each in this process in turn. An upstream on loopback holds every request it gets;
 * `requests` (default 50, at most 64: the yardstick's pool size) clients send one non-streaming request
 * each over raw sockets; once the upstream holds them all, the heap after a full collection is compared
 * with the heap before they were sent. Then the upstream answers them all. Three rounds after two warm-up
 * rounds; the figure does not depend on a quiet machine.
 *
 * Under load every request in flight keeps this much live, so it is the working set that the event loop
 * walks between one request's turns and the next: fifty in flight keep fifty times this.
 * `INFLIGHT_OBJECTS=1` also lists, from heap snapshots in a fourth round, the named objects and closures
 * each in-flight request adds (strings and arrays are left out, and plain `Object`s read high: parsing a
 * snapshot makes its own).
 */

import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getHeapSnapshot, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BODY, gatewayConfig, sleep } from './gateway-harness.js';
import { startInProcessGateway, startInProcessYardstick } from './in-process.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const requests = Math.min(64, Math.max(1, Number(process.argv[2] ?? 50)));
const census = process.env.INFLIGHT_OBJECTS === '1';

const ANSWER = JSON.stringify({
  id: 'chatcmpl-held',
  object: 'chat.completion',
  created: 1,
  model: 'fast',
  choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
});
const held: ServerResponse[] = [];
let received = 0;
const upstream = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    received++;
    held.push(res);
  });
});
await new Promise<void>((done) => upstream.listen(0, '127.0.0.1', done));
const upstreamPort = (upstream.address() as { port: number }).port;
const REQUEST =
  'POST /v1/chat/completions HTTP/1.1\r\nHost: bench\r\ncontent-type: application/json\r\n' +
  `content-length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`;

/** Bytes in use after a full collection. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Named objects and closures on the heap: count and bytes by type and constructor name. */
async function objects(): Promise<Map<string, { count: number; bytes: number }>> {
  const chunks: Buffer[] = [];
  for await (const chunk of getHeapSnapshot()) chunks.push(chunk as Buffer);
  const snap = JSON.parse(Buffer.concat(chunks).toString()) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snap.snapshot.meta.node_fields;
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const types = snap.snapshot.meta.node_types[0];
  const out = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < snap.nodes.length; i += fields.length) {
    const kind = types[snap.nodes[i + type]!]!;
    if (kind !== 'object' && kind !== 'closure') continue;
    const key = `${kind} ${snap.strings[snap.nodes[i + name]!]!.slice(0, 50)}`;
    const entry = out.get(key) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += snap.nodes[i + size]!;
    out.set(key, entry);
  }
  return out;
}

/** One round: the heap kept per held request (bytes), and optionally the objects it adds. */
async function round(url: string, withObjects: boolean): Promise<{ perRequest: number; added?: string[] }> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  for (let i = 0; i < requests; i++) {
    const socket = connect(Number(port), hostname);
    socket.on('data', () => {});
    socket.on('error', () => {});
    sockets.push(socket);
  }
  await Promise.all(sockets.map((s) => new Promise((done) => s.once('connect', done))));
  await sleep(100);
  const before = heapUsed();
  const objectsBefore = withObjects ? await objects() : undefined;
  const start = received;
  for (const socket of sockets) socket.write(REQUEST);
  // A server that refuses or drops a request would otherwise leave this waiting for ever.
  for (let waited = 0; received - start < requests; waited += 10) {
    if (waited > 10_000)
      throw new Error(`${url}: the upstream got ${received - start} of ${requests} requests in 10 s`);
    await sleep(10);
  }
  await sleep(100);
  const after = heapUsed();
  const objectsAfter = withObjects ? await objects() : undefined;
  for (const res of held.splice(0)) {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(ANSWER);
  }
  await sleep(200);
  for (const socket of sockets) socket.destroy();
  await sleep(200);
  const perRequest = (after - before) / requests;
  if (!objectsBefore || !objectsAfter) return { perRequest };
  const added = [...objectsAfter]
    .map(([key, a]) => {
      const b = objectsBefore.get(key) ?? { count: 0, bytes: 0 };
      return { key, count: (a.count - b.count) / requests, bytes: (a.bytes - b.bytes) / requests };
    })
    .filter((r) => r.count >= 0.9)
    .sort((p, q) => q.bytes - p.bytes)
    .map((r) => `${r.bytes.toFixed(0).padStart(6)} B ${r.count.toFixed(1).padStart(5)}×  ${r.key}`);
  return { perRequest, added };
}

/** Measures one server: two warm-up rounds, then three. */
async function measure(name: string, url: string): Promise<void> {
  await round(url, false);
  await round(url, false);
  const figures: number[] = [];
  for (let r = 0; r < 3; r++) figures.push((await round(url, false)).perRequest);
  // The snapshot round last and apart: taking snapshots adds to the heap figure.
  const added = census ? (await round(url, true)).added : undefined;
  const kb = figures.map((f) => (f / 1024).toFixed(1)).join(' / ');
  console.log(`${name.padEnd(10)} heap kept per request in flight: ${kb} kB (${requests} in flight)`);
  for (const line of added ?? []) console.log(`  ${line}`);
}

const origin = `http://127.0.0.1:${upstreamPort}`;
try {
  const yardstick = await startInProcessYardstick(origin);
  await measure('yardstick', yardstick.url);
  await yardstick.close();
  const config = join(tmpdir(), `hive-inflight-${process.pid}.yaml`);
  writeFileSync(config, gatewayConfig(upstreamPort));
  const gateway = await startInProcessGateway(config);
  await measure('ours', gateway.url);
  await gateway.close();
  rmSync(config, { force: true });
} finally {
  upstream.closeAllConnections();
  upstream.close();
}
