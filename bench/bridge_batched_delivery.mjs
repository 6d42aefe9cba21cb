// Batched delivery of a backlog (issue 18), bridge side: a sandbox session imports a 10,000-message
// history (option history {chats: 100, messages: 100}) while Django is unreachable, so it all waits
// in the durable outbox; then a trivial receiver comes up (it answers batches with a result per
// event at once) and the backlog drains. Measured for BRIDGE_OUTBOX_BATCH_MAX=1 (one event per
// POST, today's default) and 100: drain time and events/s, and the latency of single events of
// another session (20/s) while the backlog drains. Prints one JSON line.
import http from 'node:http';
import { api, benchEnv, freePort, quantile, round, spawnBridge, stop, waitFor, health } from '../bridge/bench/lib.mjs';

const CHATS = 100;
const MESSAGES = 100;
const LIVE_RATE = 20;

/** Django stand-in: counts applied events (batch or single), answers a batch with a result per event. */
async function startReceiver(port) {
  const r = { applied: 0, posts: 0, liveLatencies: [], ids: new Set(), duplicates: 0 };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const body = JSON.parse(Buffer.concat(chunks));
      r.posts++;
      const list = body.type === 'batch' ? body.data.events.map((e) => ({ ...e, session_id: body.session_id })) : [{ ...body, id: req.headers['webhook-id'] }];
      for (const e of list) {
        if (r.ids.has(e.id)) r.duplicates++;
        else r.ids.add(e.id);
        if (e.session_id === 'live' && e.type === 'message.received') r.liveLatencies.push(now - e.occurred_at * 1000);
      }
      r.applied += list.length;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body.type === 'batch' ? { results: list.map((e) => ({ id: e.id, status: 'applied' })) } : { ok: true }));
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return r;
}

async function run(batchMax) {
  const receiverPort = await freePort();
  const env = benchEnv({
    BRIDGE_PORT: String(await freePort()),
    DJANGO_WEBHOOK_URL: `http://127.0.0.1:${receiverPort}/hooks/bridge/`,
    BRIDGE_OUTBOX_BATCH_MAX: String(batchMax),
    BRIDGE_OUTBOX_MAX_BACKOFF_MS: '200',
    BRIDGE_OPTIONAL_EVENTS: 'all',
  });
  const bridge = await spawnBridge(env);
  const call = api(bridge.base);
  let receiver = null;
  try {
    await call('POST', '/sessions', { id: 'live', engine: 'sandbox', workspace: 'bench', options: { qr_scan_delay_ms: 0, seed: 1 } });
    await call('POST', '/sessions', { id: 'hist', engine: 'sandbox', workspace: 'bench', options: { qr_scan_delay_ms: 0, seed: 2, history: { chats: CHATS, messages: MESSAGES } } });
    const backlog = CHATS * MESSAGES;
    await waitFor(async () => (await health(bridge.base)).outbox.depth >= backlog, { timeout: 120000, message: 'history queued' });
    const queued = (await health(bridge.base)).outbox.depth;
    receiver = await startReceiver(receiverPort);
    const t0 = Date.now();
    let live = 0;
    const liveTimer = setInterval(() => {
      live++;
      call('POST', '/sandbox/sessions/live/inbound', { from: '6281100000001', body: `live ${live}` }).catch(() => {});
    }, 1000 / LIVE_RATE);
    await waitFor(async () => receiver.applied >= queued && (await health(bridge.base)).outbox.depth === 0, { timeout: 600000, interval: 20, message: 'backlog drained' });
    const drainMs = Date.now() - t0;
    clearInterval(liveTimer);
    const lat = [...receiver.liveLatencies].sort((a, b) => a - b);
    return {
      batch_max: batchMax,
      events: queued,
      drain_ms: drainMs,
      events_per_s: round(queued / (drainMs / 1000), 0),
      posts: receiver.posts,
      duplicates: receiver.duplicates,
      live_events: lat.length,
      live_latency_ms_p50: round(quantile(lat, 0.5)),
      live_latency_ms_p99: round(quantile(lat, 0.99)),
    };
  } finally {
    await stop(bridge);
    await receiver?.close();
  }
}

const single = await run(1);
const batched = await run(100);
process.stdout.write(`${JSON.stringify({
  bench: 'bridge_batched_delivery',
  events: batched.events,
  events_per_s_batch_1: single.events_per_s,
  events_per_s_batch_100: batched.events_per_s,
  drain_ms_batch_1: single.drain_ms,
  drain_ms_batch_100: batched.drain_ms,
  live_latency_ms_p50_batch_100: batched.live_latency_ms_p50,
  live_latency_ms_p99_batch_100: batched.live_latency_ms_p99,
  runs: [single, batched],
  node: process.version,
})}\n`);
