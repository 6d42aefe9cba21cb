// Webhook delivery through the real bridge process and its durable outbox, against a trivial
// receiver that answers 204 at once. Events are messages that customers of 4 sandbox sessions send
// through the sandbox control route (each becomes one message.received webhook).
//  - paced: 2,000 events offered at PACED_RATE/s (default 200) -> latency from the engine event
//    (occurred_at) to the 2xx received, p50/p99, at a load the bridge sustains with the load
//    generator on the same 2 cores (at 500/s the paced phase was measuring its own backlog);
//  - burst: 4,000 events as fast as 32 concurrent requests go -> delivered events/s (saturation;
//    its latencies are mostly queueing).
// Prints one JSON line.
import { api, benchEnv, freePort, pool, quantile, round, spawnBridge, startReceiver, stop, waitFor, health } from '../bridge/bench/lib.mjs';

const SESSIONS = 4;
const PACED_EVENTS = 2000;
const PACED_RATE = Number(process.env.PACED_RATE || 200);
const BURST_EVENTS = 4000;
const CONCURRENCY = 32;

const receiver = await startReceiver();
const env = benchEnv({ BRIDGE_PORT: String(await freePort()), DJANGO_WEBHOOK_URL: receiver.url });
const bridge = await spawnBridge(env);
const call = api(bridge.base);
const inbound = (i) => call('POST', `/sandbox/sessions/tp${i % SESSIONS}/inbound`, { from: `62811${String(i % 50).padStart(8, '0')}`, body: `message ${i}` });
const drained = () => waitFor(async () => (await health(bridge.base)).outbox.depth === 0, { timeout: 120000, message: 'outbox drained' });

try {
  for (let s = 0; s < SESSIONS; s++) {
    await call('POST', '/sessions', { id: `tp${s}`, engine: 'sandbox', workspace: 'bench', options: { qr_scan_delay_ms: 0, seed: s } });
  }
  await drained();

  // Paced phase.
  receiver.latencies.length = 0;
  let base = receiver.count;
  const start = Date.now();
  const inflight = [];
  for (let i = 0; i < PACED_EVENTS; i++) {
    const due = start + (i * 1000) / PACED_RATE;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(inbound(i));
  }
  await Promise.all(inflight);
  await waitFor(() => receiver.count - base >= PACED_EVENTS, { timeout: 120000, message: 'paced delivered' });
  const paced = [...receiver.latencies].sort((a, b) => a - b);

  // Burst phase.
  receiver.latencies.length = 0;
  base = receiver.count;
  const t0 = Date.now();
  await pool(BURST_EVENTS, CONCURRENCY, (i) => inbound(PACED_EVENTS + i));
  await waitFor(() => receiver.count - base >= BURST_EVENTS, { timeout: 120000, message: 'burst delivered' });
  const burstMs = receiver.lastAt - t0;
  const burst = [...receiver.latencies].sort((a, b) => a - b);
  await drained();

  process.stdout.write(`${JSON.stringify({
    bench: 'bridge_webhook_throughput',
    sessions: SESSIONS,
    paced_events: PACED_EVENTS,
    paced_rate_per_s: PACED_RATE,
    latency_ms_p50: round(quantile(paced, 0.5)),
    latency_ms_p99: round(quantile(paced, 0.99)),
    burst_events: BURST_EVENTS,
    burst_concurrency: CONCURRENCY,
    events_per_s: round(BURST_EVENTS / (burstMs / 1000), 0),
    burst_latency_ms_p50: round(quantile(burst, 0.5)),
    burst_latency_ms_p99: round(quantile(burst, 0.99)),
    node: process.version,
  })}\n`);
} finally {
  await stop(bridge);
  await receiver.close();
}
