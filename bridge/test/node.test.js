// A bridge node in a cluster (issue 18): the signed heartbeat with its load, Django's desired set
// (start what is missing, release what is not listed), fencing at start (a node that comes back
// does not start sessions that moved away), and nothing changes for a Django without the registry.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Webhook } from 'standardwebhooks';
import { startBridge, startReceiver, json, connectedSandbox, waitFor, tempDir, newSecret } from './helpers/index.js';

/** Django's webhook endpoint: events go to `receiver`; heartbeats are verified, kept, and answered by `answer(beat)`. */
async function fakeDjango(secret, answer) {
  const receiver = await startReceiver();
  const beats = [];
  const webhook = new Webhook(secret);
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const body = JSON.parse(raw);
      if (body.type !== 'node.heartbeat') {
        // An event: pass it to the plain receiver.
        const r = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'webhook-id': req.headers['webhook-id'] }, body: raw }).catch(() => ({ status: 503 }));
        res.writeHead(r.status);
        return res.end();
      }
      webhook.verify(raw, req.headers); // throws on a bad signature
      beats.push(body);
      const reply = answer(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(reply ?? { ok: true }));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${server.address().port}/hooks/bridge/`;
  return { receiver, beats, url, close: async () => { server.close(); await receiver.close(); } };
}

const place = (id, epoch = 1) => ({ id, engine: 'sandbox', workspace: 'demo', epoch, options: { qr_scan_delay_ms: 0, seed: 7 } });

test('heartbeat: signed, with the node\'s load; the desired set starts missing sessions and releases unlisted ones', async () => {
  const secret = newSecret();
  let desired = [place('n1'), place('n2')];
  const django = await fakeDjango(secret, () => ({ sessions: desired }));
  const bridge = await startBridge({ DJANGO_WEBHOOK_URL: django.url, BRIDGE_WEBHOOK_SECRET: secret, BRIDGE_HEARTBEAT_SECONDS: '1', BRIDGE_CAPACITY: '30', BRIDGE_PUBLIC_URL: 'http://10.0.0.7:3001', BRIDGE_NODE_ID: 'node-7' });
  try {
    await waitFor(async () => (await json(bridge.app, 'GET', '/sessions')).body.sessions.filter((s) => s.status === 'connected').length === 2, { timeout: 30000, message: 'placed sessions connected' });
    assert.equal((await json(bridge.app, 'GET', '/sessions/n1')).body.epoch, 1);
    const beat = await waitFor(() => django.beats.find((b) => b.data.session_ids.length === 2), { timeout: 30000, message: 'a beat with both sessions' });
    assert.equal(beat.node_id, 'node-7');
    assert.equal(beat.data.url, 'http://10.0.0.7:3001');
    assert.equal(beat.data.capacity, 30);
    assert.equal(beat.data.memory_budget_bytes, null);
    assert.ok(beat.data.rss_bytes > 10 * 2 ** 20);
    assert.deepEqual(beat.data.session_ids.sort(), ['n1', 'n2']);
    assert.equal(typeof beat.data.outbox_depth, 'number');
    assert.equal(beat.data.dead_letters, 0);
    desired = [place('n2', 2)];
    await waitFor(async () => (await json(bridge.app, 'GET', '/sessions/n1')).status === 404, { timeout: 30000, message: 'n1 released' });
    await waitFor(async () => (await json(bridge.app, 'GET', '/sessions/n2')).body.epoch === 2, { timeout: 30000, message: 'n2 at epoch 2' });
    await waitFor(() => django.receiver.events((e) => e.session_id === 'n1' && e.data.reason_code === 'released').length === 1, { timeout: 30000, message: 'released reported' });
  } finally {
    await bridge.close();
    await django.close();
  }
});

test('fencing at start: a node that comes back starts only what Django still places on it', async () => {
  const secret = newSecret();
  const dataDir = tempDir();
  const plain = await startReceiver();
  // First life, without heartbeats (as today): two sessions on disk.
  let bridge = await startBridge({ DJANGO_WEBHOOK_URL: plain.url, BRIDGE_WEBHOOK_SECRET: secret, BRIDGE_DATA_DIR: dataDir });
  await connectedSandbox(bridge.app, 'stay');
  await connectedSandbox(bridge.app, 'moved');
  await bridge.close();
  await plain.close();
  // Meanwhile "moved" went to another node. The node comes back with heartbeats on.
  const restartedAt = Date.now();
  const django = await fakeDjango(secret, () => ({ sessions: [{ id: 'stay', engine: 'sandbox', workspace: 'demo', epoch: 0 }] }));
  bridge = await startBridge({ DJANGO_WEBHOOK_URL: django.url, BRIDGE_WEBHOOK_SECRET: secret, BRIDGE_DATA_DIR: dataDir, BRIDGE_HEARTBEAT_SECONDS: '1' });
  try {
    await waitFor(async () => (await json(bridge.app, 'GET', '/sessions/stay')).body.status === 'connected', { timeout: 30000, message: 'stay reconnected' });
    assert.equal((await json(bridge.app, 'GET', '/sessions/moved')).status, 404);
    assert.equal(bridge.store.sessions.get('moved'), undefined, 'forgotten on disk too');
    const stayEvents = () => django.receiver.events((e) => e.session_id === 'stay' && e.occurred_at * 1000 >= restartedAt);
    await waitFor(() => stayEvents().some((e) => e.data.status === 'connected'), { message: 'stay reported connected' });
    assert.equal(django.receiver.events((e) => e.session_id === 'moved' && e.occurred_at * 1000 >= restartedAt).length, 0, 'the moved session reported nothing from here');
  } finally {
    await bridge.close();
    await django.close();
  }
});

test('a Django that refuses node.heartbeat (today\'s: 400) still gets the stored sessions started', async () => {
  const dataDir = tempDir();
  const receiver = await startReceiver({ respond: (entry) => (entry.json?.type === 'node.heartbeat' ? 400 : 204) });
  let bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_DATA_DIR: dataDir });
  await connectedSandbox(bridge.app, 'kept');
  await bridge.close();
  bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_DATA_DIR: dataDir, BRIDGE_HEARTBEAT_SECONDS: '1' });
  try {
    await waitFor(async () => (await json(bridge.app, 'GET', '/sessions/kept')).body.status === 'connected', { timeout: 30000, message: 'kept restarted' });
    assert.ok(receiver.attempts.some((a) => a.json?.type === 'node.heartbeat'));
  } finally {
    await bridge.close();
    await receiver.close();
  }
});

test('a Django without the registry (no `sessions` in the answer) changes nothing; heartbeats are off by default', async () => {
  const secret = newSecret();
  const django = await fakeDjango(secret, () => ({ ok: true }));
  const bridge = await startBridge({ DJANGO_WEBHOOK_URL: django.url, BRIDGE_WEBHOOK_SECRET: secret, BRIDGE_HEARTBEAT_SECONDS: '1' });
  const quiet = await startBridge({ DJANGO_WEBHOOK_URL: django.url, BRIDGE_WEBHOOK_SECRET: secret, BRIDGE_NODE_ID: 'quiet' });
  try {
    await connectedSandbox(bridge.app, 'mine');
    await waitFor(() => django.beats.filter((b) => b.data.session_ids.includes('mine')).length >= 1, { timeout: 30000, message: 'a beat listing mine' });
    assert.equal((await json(bridge.app, 'GET', '/sessions/mine')).body.status, 'connected');
    assert.equal(quiet.node.enabled, false);
    assert.equal(django.beats.filter((b) => b.node_id === 'quiet').length, 0);
  } finally {
    await bridge.close();
    await quiet.close();
    await django.close();
  }
});
