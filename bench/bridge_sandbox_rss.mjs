// Memory per idle sandbox session: for 1, 100 and 1,000 connected, idle sandbox sessions, a fresh
// bridge process's memory minus its memory with no session, divided by the count. Each reading
// comes after the outbox drained and a full GC (the bridge runs with a bench-only preload that
// collects on SIGUSR2): VmRSS, and the V8 heap in use, which is the sessions' own footprint
// (RSS also carries heap the allocator keeps after the burst of creating sessions).
// Prints one JSON line.
import path from 'node:path';
import { api, benchEnv, freePort, gcAndMeasure, gcNodeArgs, pool, round, spawnBridge, startReceiver, stop, waitFor, health } from '../bridge/bench/lib.mjs';

const COUNTS = [1, 100, 1000];
const settle = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(count, receiver) {
  const env = benchEnv({ BRIDGE_PORT: String(await freePort()), DJANGO_WEBHOOK_URL: receiver.url });
  const memFile = path.join(env.BRIDGE_DATA_DIR, 'mem.json');
  env.BENCH_MEM_FILE = memFile;
  const bridge = await spawnBridge(env, { nodeArgs: gcNodeArgs() });
  const call = api(bridge.base);
  try {
    await settle(1000);
    const base = await gcAndMeasure(bridge, memFile);
    await pool(count, 16, (i) => call('POST', '/sessions', { id: `idle${i}`, engine: 'sandbox', workspace: 'bench', options: { qr_scan_delay_ms: 0, seed: i } }));
    await waitFor(async () => {
      const h = await health(bridge.base);
      return h.outbox.depth === 0 && h.sessions.by_status.connected === count;
    }, { timeout: 120000, message: 'sessions connected, outbox drained' });
    await settle(1000);
    const mem = await gcAndMeasure(bridge, memFile);
    return {
      sessions: count,
      base_rss_mb: round(base.rss / 2 ** 20),
      rss_mb: round(mem.rss / 2 ** 20),
      per_session_rss_kb: round((mem.rss - base.rss) / 1024 / count),
      per_session_heap_kb: round((mem.heapUsed - base.heapUsed) / 1024 / count, 2),
    };
  } finally {
    await stop(bridge);
  }
}

const receiver = await startReceiver();
try {
  const results = [];
  for (const count of COUNTS) results.push(await measure(count, receiver));
  const by = Object.fromEntries(results.map((r) => [r.sessions, r]));
  process.stdout.write(`${JSON.stringify({
    bench: 'bridge_sandbox_rss',
    per_session_rss_kb_at_1: by[1].per_session_rss_kb,
    per_session_rss_kb_at_100: by[100].per_session_rss_kb,
    per_session_rss_kb_at_1000: by[1000].per_session_rss_kb,
    per_session_heap_kb_at_1: by[1].per_session_heap_kb,
    per_session_heap_kb_at_100: by[100].per_session_heap_kb,
    per_session_heap_kb_at_1000: by[1000].per_session_heap_kb,
    rss_mb_at_1000: by[1000].rss_mb,
    base_rss_mb: by[1].base_rss_mb,
    runs: results,
    node: process.version,
  })}\n`);
} finally {
  await receiver.close();
}
