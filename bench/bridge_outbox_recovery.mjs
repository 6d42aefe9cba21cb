// Outbox recovery: with Django down, 10,000 events queue up on disk (customers of 10 sandbox
// sessions send messages); the bridge is killed with SIGKILL, the receiver comes up, the bridge
// restarts. Reports the time from the restart to an empty outbox and the drain rate, and checks
// that every event arrived: `lost` counts the messages the bridge acknowledged (their
// wa_message_id) that never arrived as a distinct event, so a duplicate can never hide a loss;
// `duplicates` counts the repeated webhook-ids (at-least-once; Django dedups them). Prints one JSON line.
import { api, benchEnv, freePort, pool, round, spawnBridge, startReceiver, stop, waitFor, health } from '../bridge/bench/lib.mjs';

const SESSIONS = 10;
const EVENTS = 10000;

const receiverPort = await freePort();
const env = benchEnv({
  BRIDGE_PORT: String(await freePort()),
  DJANGO_WEBHOOK_URL: `http://127.0.0.1:${receiverPort}/hooks/bridge/`,
  BRIDGE_LOG_LEVEL: 'fatal', // refused deliveries would log a warning each
});
let bridge = await spawnBridge(env);
const call = api(bridge.base);
for (let s = 0; s < SESSIONS; s++) {
  await call('POST', '/sessions', { id: `rec${s}`, engine: 'sandbox', workspace: 'bench', options: { qr_scan_delay_ms: 0, seed: s } });
}
// Every inbound the bridge answered for is on disk: it must arrive.
const acknowledged = new Set();
await pool(EVENTS, 32, async (i) => {
  const { wa_message_id: id } = await call('POST', `/sandbox/sessions/rec${i % SESSIONS}/inbound`, { from: `62811${String(i % 100).padStart(8, '0')}`, body: `queued ${i}` });
  acknowledged.add(id);
});
const queued = (await health(bridge.base)).outbox.depth;
await stop(bridge, 'SIGKILL');

const arrived = new Set(); // wa_message_id of the message.received events seen (first copy or not)
const receiver = await startReceiver(receiverPort, {
  onEvent: (body) => { if (body.type === 'message.received') arrived.add(body.data.wa_message_id); },
});
const missing = () => [...acknowledged].filter((id) => !arrived.has(id)).length;
const t0 = Date.now();
bridge = await spawnBridge(env);
const readyMs = bridge.readyAt - t0;
try {
  // Everything queued before the kill, plus the restarted sessions' status events. An empty
  // outbox means every event on disk got its 2xx (the receiver counts before answering); a
  // message missing then is lost, and reported, not waited for.
  await waitFor(async () => (await health(bridge.base)).outbox.depth === 0, { timeout: 300000, interval: 10, message: 'drained' });
  const drainMs = receiver.lastAt - t0;
  process.stdout.write(`${JSON.stringify({
    bench: 'bridge_outbox_recovery',
    queued_events: queued,
    sessions: SESSIONS,
    restart_to_ready_ms: readyMs,
    restart_to_drained_s: round(drainMs / 1000, 2),
    drain_events_per_s: round(receiver.ids.size / (drainMs / 1000), 0),
    delivered: receiver.ids.size,
    deliveries: receiver.count,
    duplicates: receiver.duplicates,
    messages_acknowledged: acknowledged.size,
    lost: missing(),
    node: process.version,
  })}\n`);
} finally {
  await stop(bridge);
  await receiver.close();
}
