// Memory per idle sandbox session: for 1, 100 and 1,000 connected, idle sandbox sessions, a fresh
// bridge process's RSS minus its RSS with no session, divided by the count. Node offers no GC
// trigger from outside, so each reading comes after the outbox drained and 2 s of idling.
// Prints one JSON line.
import { api, benchEnv, freePort, pool, round, rssKb, spawnBridge, startReceiver, stop, waitFor, health } from '../bridge/bench/lib.mjs';

const COUNTS = [1, 100, 1000];
const settle = (ms) => new Promise((r) => setTimeout(r, ms));

async function measure(count, receiver) {
  const env = benchEnv({ BRIDGE_PORT: String(await freePort()), DJANGO_WEBHOOK_URL: receiver.url });
  const bridge = await spawnBridge(env);
  const call = api(bridge.base);
  try {
    await settle(2000);
    const baseKb = rssKb(bridge.child.pid);
    await pool(count, 16, (i) => call('POST', '/sessions', { id: `idle${i}`, engine: 'sandbox', workspace: 'bench', options: { qr_scan_delay_ms: 0, seed: i } }));
    await waitFor(async () => {
      const h = await health(bridge.base);
      return h.outbox.depth === 0 && h.sessions.by_status.connected === count;
    }, { timeout: 120000, message: 'sessions connected, outbox drained' });
    await settle(2000);
    const kb = rssKb(bridge.child.pid);
    return { sessions: count, base_rss_mb: round(baseKb / 1024), rss_mb: round(kb / 1024), per_session_kb: round((kb - baseKb) / count) };
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
    per_session_kb_at_1: by[1].per_session_kb,
    per_session_kb_at_100: by[100].per_session_kb,
    per_session_kb_at_1000: by[1000].per_session_kb,
    // RSS growth from 100 to 1,000 sessions per added session: the steady cost, without the
    // one-off growth of the V8 heap and code caches that the first sessions pay.
    marginal_kb_100_to_1000: round(((by[1000].rss_mb - by[100].rss_mb) * 1024) / 900),
    rss_mb_at_1000: by[1000].rss_mb,
    base_rss_mb: by[1].base_rss_mb,
    runs: results,
    node: process.version,
  })}\n`);
} finally {
  await receiver.close();
}
