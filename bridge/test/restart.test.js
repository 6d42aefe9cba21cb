// kill -9 of a real `node src/server.js`: events queued while Django was down are delivered after
// the restart, in order; sessions come back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN, testEnv, startReceiver, waitFor } from './helpers/index.js';
import { spawnReadyBridge } from './helpers/child.js';

const call = (base, method, path, body) => fetch(`${base}${path}`, {
  method,
  headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
  body: body ? JSON.stringify(body) : undefined,
}).then(async (r) => ({ status: r.status, body: await r.json() }));

test('after kill -9 the bridge resumes delivery and restarts its sessions', async () => {
  // Django is down: its port cuts every connection (a listener we own, so no other test takes the port).
  const receiver = await startReceiver({ respond: () => 'destroy' });
  const env = testEnv({
    DJANGO_WEBHOOK_URL: receiver.url,
    BRIDGE_LOG_LEVEL: 'warn',
  });
  let bridge = await spawnReadyBridge(env);
  const created = await call(bridge.base, 'POST', '/sessions', { id: 'k9', engine: 'sandbox', workspace: 'demo', options: { qr_scan_delay_ms: 0, ack_delays_ms: { sent: 1, delivered: 2, read: 3 } } });
  assert.equal(created.status, 201);
  const sent = [];
  for (let i = 0; i < 20; i++) {
    const r = await call(bridge.base, 'POST', '/sessions/k9/messages', { to: '6281100000001', type: 'text', body: `m${i}`, client_id: `k9-${i}` });
    assert.equal(r.status, 201);
    sent.push(r.body.wa_message_id);
  }
  // All 20 messages' acks are on disk too (3 per message).
  await waitFor(async () => (await call(bridge.base, 'GET', '/health')).body.outbox.depth >= 4 + 20 * 4, { message: 'events queued' });
  const before = (await call(bridge.base, 'GET', '/health')).body.outbox.depth;
  bridge.child.kill('SIGKILL');
  assert.equal((await bridge.exited).signal, 'SIGKILL');

  // Django is back.
  receiver.respond = () => 204;
  bridge = await spawnReadyBridge(env);
  try {
    await waitFor(async () => (await call(bridge.base, 'GET', '/health')).body.outbox.depth === 0, { timeout: 20000, message: 'outbox drained' });
    const events = receiver.events();
    assert.ok(events.length >= before, `delivered ${events.length} of ${before}`);
    // Nothing lost: every message's created + acks; nothing reordered within the session.
    const created = events.filter((e) => e.type === 'message.created').map((e) => e.data.wa_message_id);
    assert.deepEqual(created, sent);
    for (const id of sent) {
      const mine = events.filter((e) => e.data.wa_message_id === id).map((e) => (e.type === 'message.ack' ? e.data.ack : 'created'));
      assert.deepEqual(mine, ['created', 1, 2, 3]);
    }
    const ids = receiver.delivered.map((d) => d.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length, 'no duplicates in this run');
    // The session came back, connected, without a new QR.
    const s = await call(bridge.base, 'GET', '/sessions/k9');
    assert.equal(s.body.status, 'connected');
    const statuses = events.filter((e) => e.type === 'session.status').map((e) => e.data.status);
    assert.deepEqual(statuses, ['starting', 'qr', 'connected', 'starting', 'connected']);
    // And the idempotency records survived kill -9.
    const repeat = await call(bridge.base, 'POST', '/sessions/k9/messages', { to: '6281100000001', type: 'text', body: 'm0', client_id: 'k9-0' });
    assert.equal(repeat.status, 200);
    assert.equal(repeat.body.wa_message_id, sent[0]);
  } finally {
    bridge.child.kill('SIGTERM');
    const { code } = await bridge.exited;
    assert.equal(code, 0, `graceful exit; stderr: ${bridge.output.stderr.slice(-500)}`);
    await receiver.close();
  }
});

test('kill -9 while acks are still due: after the restart each ack arrives exactly once', async () => {
  // Django is down: its port cuts every connection (a listener we own, so no other test takes the port).
  const receiver = await startReceiver({ respond: () => 'destroy' });
  const env = testEnv({
    DJANGO_WEBHOOK_URL: receiver.url,
    BRIDGE_LOG_LEVEL: 'warn',
  });
  let bridge = await spawnReadyBridge(env);
  // Ticks spread over ~1 s so the kill lands while some are on disk and others still due.
  const options = { qr_scan_delay_ms: 0, ack_delays_ms: { sent: 5, delivered: 400, read: 900 } };
  assert.equal((await call(bridge.base, 'POST', '/sessions', { id: 'k9b', engine: 'sandbox', workspace: 'demo', options })).status, 201);
  await waitFor(async () => (await call(bridge.base, 'GET', '/sessions/k9b')).body.status === 'connected', { message: 'connected' });
  const sent = [];
  for (let i = 0; i < 10; i++) {
    const r = await call(bridge.base, 'POST', '/sessions/k9b/messages', { to: '6281100000002', type: 'text', body: `n${i}`, client_id: `k9b-${i}` });
    assert.equal(r.status, 201);
    sent.push(r.body.wa_message_id);
  }
  // Every message has its first tick queued; the later ones are not all due yet.
  await waitFor(async () => (await call(bridge.base, 'GET', '/health')).body.outbox.depth >= 4 + 10 * 2, { message: 'created + sent queued' });
  bridge.child.kill('SIGKILL');
  await bridge.exited;

  // Django is back.
  receiver.respond = () => 204;
  bridge = await spawnReadyBridge(env);
  try {
    const acksOf = (id) => receiver.events((e) => e.data.wa_message_id === id).map((e) => (e.type === 'message.ack' ? e.data.ack : 'created'));
    await waitFor(() => sent.every((id) => acksOf(id).includes(3)), { timeout: 20000, message: 'every read ack delivered' });
    await waitFor(async () => (await call(bridge.base, 'GET', '/health')).body.outbox.depth === 0, { message: 'outbox drained' });
    for (const id of sent) assert.deepEqual(acksOf(id), ['created', 1, 2, 3], id);
  } finally {
    bridge.child.kill('SIGTERM');
    await bridge.exited;
    await receiver.close();
  }
});
