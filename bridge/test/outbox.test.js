// The outbox against a real HTTP receiver that fails (500s, then connection refused), then
// recovers: nothing lost, nothing reordered per session, webhook-id stable across retries. Dead
// letters: an event Django rejects for good (400/404/410/413/422) is set aside after a bound, never
// one refused with 401/403; replayed with the same webhook-id; kept on disk.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../src/store.js';
import { Outbox } from '../src/outbox.js';
import { buildEnvelope, events } from '../src/contract/index.js';
import { startReceiver, startBridge, connectedSandbox, json, freePort, tempDir, newSecret, waitFor } from './helpers/index.js';

const silent = pino({ level: 'silent' });

function makeOutbox(dataDir, url, extra = {}) {
  const store = new Store(dataDir);
  const outbox = new Outbox({ store, url, secret: newSecret(), logger: silent, minBackoffMs: 10, maxBackoffMs: 100, requestTimeoutMs: 2000, ...extra });
  return { store, outbox };
}

const ack = (session, n) => buildEnvelope({ type: 'message.ack', sessionId: session, workspace: 'w', data: events.messageAck({ wa_message_id: `m${n}`, ack: 1 })[1] });

test('failures (500, 4xx, cut connections, refused) then recovery: every event once 2xx-ed, in order per session, same webhook-id', async (t) => {
  const port = await freePort();
  let mode = 'fail';
  let receiver = await startReceiver({
    port,
    respond: (entry, n) => {
      if (mode === 'ok') return 204;
      return [500, 503, 'destroy', 400, 429][n % 5];
    },
  });
  const { store, outbox } = makeOutbox(tempDir(), receiver.url);
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  outbox.start();
  for (let i = 0; i < 30; i++) {
    await outbox.enqueue('a', ack('a', i));
    await outbox.enqueue('b', ack('b', i));
  }
  await waitFor(() => receiver.attempts.length >= 20, { message: 'failing attempts' });
  assert.equal(receiver.delivered.length, 0);
  // Then Django is down altogether: connection refused.
  await receiver.close();
  for (let i = 30; i < 40; i++) await outbox.enqueue('a', ack('a', i));
  assert.equal(outbox.health().depth, 70);
  await waitFor(() => outbox.stats.failedAttempts >= receiver.attempts.length + 5, { message: 'refused attempts' });
  assert.ok(outbox.health().oldest_age_seconds > 0);
  const attemptsBefore = receiver.attempts;
  // Recovery.
  mode = 'ok';
  receiver = await startReceiver({ port, respond: () => 200 });
  await waitFor(() => outbox.health().depth === 0, { timeout: 10000, message: 'drained' });
  const perSession = (s) => receiver.delivered.filter((d) => d.json.session_id === s).map((d) => d.json.data.wa_message_id);
  assert.deepEqual(perSession('a'), Array.from({ length: 40 }, (_, i) => `m${i}`));
  assert.deepEqual(perSession('b'), Array.from({ length: 30 }, (_, i) => `m${i}`));
  assert.equal(receiver.delivered.length, 70, 'each event delivered exactly once after recovery');
  // The first event of session a was tried many times with one webhook-id.
  const firstId = receiver.delivered.find((d) => d.json.session_id === 'a').headers['webhook-id'];
  const tries = attemptsBefore.filter((d) => d.headers['webhook-id'] === firstId);
  assert.ok(tries.length >= 2, 'retried with the same webhook-id');
  assert.ok(tries.every((d) => d.raw.equals(receiver.delivered.find((x) => x.headers['webhook-id'] === firstId).raw)), 'same bytes every time');
  assert.equal(new Set(receiver.delivered.map((d) => d.headers['webhook-id'])).size, 70);
  assert.equal(outbox.health().oldest_age_seconds, 0);
});

test('a session whose events are refused does not hold up other sessions', async () => {
  const receiver = await startReceiver({ respond: (entry) => (entry.json.session_id === 'stuck' ? 500 : 204) });
  const { store, outbox } = makeOutbox(tempDir(), receiver.url);
  outbox.start();
  await outbox.enqueue('stuck', ack('stuck', 0));
  for (let i = 0; i < 5; i++) await outbox.enqueue('free', ack('free', i));
  try {
    await waitFor(() => receiver.delivered.length === 5 && outbox.health().depth === 1, { message: 'free session delivered' });
    assert.equal(receiver.delivered.filter((d) => d.json.session_id === 'stuck').length, 0);
  } finally {
    await outbox.stop();
    await store.close();
    await receiver.close();
  }
});

test('events on disk survive a stop and are delivered by the next outbox, in order', async (t) => {
  const dataDir = tempDir();
  const receiver = await startReceiver({ respond: () => 500 });
  let { store, outbox } = makeOutbox(dataDir, receiver.url);
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  outbox.start();
  for (let i = 0; i < 10; i++) await outbox.enqueue('s', ack('s', i));
  await outbox.stop();
  await store.close();
  receiver.respond = () => 204;
  ({ store, outbox } = makeOutbox(dataDir, receiver.url));
  assert.equal(outbox.health().depth, 10);
  // New events sort after the old ones.
  await outbox.enqueue('s', ack('s', 10));
  outbox.start();
  await waitFor(() => outbox.health().depth === 0, { message: 'drained after restart' });
  // A request the first outbox aborted while stopping may still have reached the receiver: that
  // is the at-least-once duplicate, with the same webhook-id, which Django drops.
  const firstSeen = new Map();
  for (const d of receiver.delivered) if (!firstSeen.has(d.headers['webhook-id'])) firstSeen.set(d.headers['webhook-id'], d.json.data.wa_message_id);
  assert.deepEqual([...firstSeen.values()], Array.from({ length: 11 }, (_, i) => `m${i}`));
});

test('the body is the envelope {type, session_id, workspace, occurred_at, data} with Standard Webhooks headers', async (t) => {
  const receiver = await startReceiver();
  const { store, outbox } = makeOutbox(tempDir(), receiver.url);
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  outbox.start();
  await outbox.enqueue('x', ack('x', 1));
  await waitFor(() => receiver.delivered.length === 1);
  const [d] = receiver.delivered;
  assert.deepEqual(Object.keys(d.json), ['type', 'session_id', 'workspace', 'occurred_at', 'data']);
  assert.equal(d.headers['content-type'], 'application/json');
  assert.match(d.headers['webhook-id'], /^evt_[0-9A-Z]{26}$/);
  assert.match(d.headers['webhook-timestamp'], /^[0-9]{10}$/);
  assert.match(d.headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]{44}$/);
});

// --- dead letters -----------------------------------------------------------------------------

const idOf = (d) => d.headers['webhook-id'];
const waIds = (entries, session) => entries.filter((d) => d.json.session_id === session).map((d) => d.json.data.wa_message_id);

test('an event Django rejects for good (422) is dead-lettered after N attempts; the session goes on in order; retry delivers it with the same webhook-id', async (t) => {
  const dataDir = tempDir();
  const poison = (d) => d.json.data.wa_message_id === 'm2' && d.json.session_id === 'a';
  let receiver = await startReceiver({ respond: (d) => (poison(d) ? 422 : 204) });
  let { store, outbox } = makeOutbox(dataDir, receiver.url, { deadLetterAfter: 3 });
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  outbox.start();
  for (let i = 0; i < 6; i++) {
    await outbox.enqueue('a', ack('a', i));
    await outbox.enqueue('b', ack('b', i));
  }
  await waitFor(() => outbox.health().depth === 0, { message: 'drained but the poison event' });
  assert.deepEqual(waIds(receiver.delivered, 'a'), ['m0', 'm1', 'm3', 'm4', 'm5'], 'later events of the session delivered, in order');
  assert.deepEqual(waIds(receiver.delivered, 'b'), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  const tries = receiver.attempts.filter(poison);
  assert.equal(tries.length, 3, 'exactly deadLetterAfter attempts');
  assert.equal(new Set(tries.map(idOf)).size, 1);
  assert.deepEqual(tries.map((d) => d.headers['x-blazz-attempt']), ['1', '2', '3']);
  assert.equal(outbox.health().dead_letters, 1);
  assert.equal(outbox.stats.deadLettered, 1);

  const list = outbox.deadLetters();
  assert.equal(list.total, 1);
  assert.equal(list.next_after, null);
  const [dead] = list.dead_letters;
  assert.equal(dead.id, idOf(tries[0]));
  assert.equal(dead.session_id, 'a');
  assert.equal(dead.type, 'message.ack');
  assert.equal(dead.attempts, 3);
  assert.equal(dead.last_status, 422);
  assert.equal(dead.last_response, '{}');
  assert.equal(dead.event.data.wa_message_id, 'm2');
  assert.ok(dead.dead_at >= dead.enqueued_at);

  // The dead db is on disk: a new outbox over the same store finds it, and nothing left in the outbox.
  await outbox.stop();
  await store.close();
  ({ store, outbox } = makeOutbox(dataDir, receiver.url, { deadLetterAfter: 3 }));
  assert.equal(outbox.health().depth, 0);
  assert.equal(outbox.health().dead_letters, 1);
  assert.equal(outbox.deadLetteredTotal(), 1, 'the count of dead-lettered events is on disk too');
  assert.equal(outbox.deadLetters().dead_letters[0].id, dead.id);
  outbox.start();

  // Django fixed: replay. It goes to the end of session a's queue, same webhook-id and bytes.
  await outbox.enqueue('a', ack('a', 6));
  receiver.respond = () => 204;
  const answer = await outbox.retryDead(dead.id);
  assert.deepEqual(answer, { id: dead.id, session_id: 'a', type: 'message.ack', queued: true });
  await outbox.enqueue('a', ack('a', 7));
  await waitFor(() => outbox.health().depth === 0, { message: 'replayed' });
  assert.deepEqual(waIds(receiver.delivered, 'a'), ['m0', 'm1', 'm3', 'm4', 'm5', 'm6', 'm2', 'm7']);
  const replayed = receiver.delivered.find(poison);
  assert.equal(idOf(replayed), dead.id);
  assert.ok(replayed.raw.equals(tries[0].raw), 'same bytes');
  assert.equal(outbox.health().dead_letters, 0);
  assert.deepEqual(outbox.deadLetters(), { dead_letters: [], total: 0, next_after: null });
  await assert.rejects(outbox.retryDead(dead.id), (err) => err.code === 'dead_letter_not_found' && err.statusCode === 404);
});

test('401/403 are never dead-lettered: once the secret is fixed (204) everything arrives, in order', async (t) => {
  let mode = 401;
  const receiver = await startReceiver({ respond: () => mode });
  const { store, outbox } = makeOutbox(tempDir(), receiver.url, { deadLetterAfter: 2 });
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  outbox.start();
  for (let i = 0; i < 5; i++) await outbox.enqueue('s', ack('s', i));
  await waitFor(() => receiver.attempts.length >= 6, { message: '401s' });
  mode = 403;
  const at = receiver.attempts.length;
  await waitFor(() => receiver.attempts.length >= at + 6, { message: '403s' });
  assert.ok(receiver.attempts.length >= 12);
  assert.equal(new Set(receiver.attempts.map(idOf)).size, 1, 'still the first event: nothing skipped');
  assert.equal(outbox.health().dead_letters, 0);
  assert.equal(outbox.health().depth, 5);
  mode = 204;
  await waitFor(() => outbox.health().depth === 0, { message: 'recovered' });
  assert.deepEqual(waIds(receiver.delivered, 's'), ['m0', 'm1', 'm2', 'm3', 'm4']);
  assert.equal(outbox.health().dead_letters, 0);
});

test('a 404 below the bound (session row not committed yet) is retried and delivered; 5xx between rejections do not count', async (t) => {
  const answers = [404, 500, 404, 503, 'destroy', 404];
  const receiver = await startReceiver({ respond: (d, n) => answers[n - 1] ?? 204 });
  const { store, outbox } = makeOutbox(tempDir(), receiver.url, { deadLetterAfter: 4 });
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  outbox.start();
  await outbox.enqueue('s', ack('s', 0));
  await outbox.enqueue('s', ack('s', 1));
  await waitFor(() => outbox.health().depth === 0, { message: 'delivered' });
  assert.equal(receiver.attempts.filter((d) => d.json.data.wa_message_id === 'm0').length, 7);
  assert.deepEqual(waIds(receiver.delivered, 's'), ['m0', 'm1']);
  assert.equal(outbox.health().dead_letters, 0);
});

test('dead letters over HTTP: /health counts them, GET /outbox/dead pages them, POST /outbox/dead/:id/retry replays one', async (t) => {
  let accept = false;
  const receiver = await startReceiver({ respond: (d) => (!accept && d.json.type === 'message.received' && d.json.data.body.startsWith('poison') ? 400 : 204) });
  const bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_OUTBOX_DEAD_LETTER_AFTER: '2' });
  t.after(async () => { await bridge.close(); await receiver.close(); });
  await connectedSandbox(bridge.app, 'dl1');
  for (const body of ['poison 1', 'fine 1', 'poison 2', 'poison 3', 'fine 2']) {
    await json(bridge.app, 'POST', '/sandbox/sessions/dl1/inbound', { from: '6281100000001', body });
  }
  const received = () => receiver.distinctEvents((e) => e.type === 'message.received').map((e) => e.data.body);
  const health = await waitFor(async () => {
    const { body } = await json(bridge.app, 'GET', '/health');
    return body.outbox.dead_letters === 3 && body.outbox.depth === 0 && body;
  }, { message: 'three dead letters, the rest delivered' });
  assert.equal(health.outbox.oldest_age_seconds, 0);
  assert.deepEqual(received(), ['fine 1', 'fine 2']);

  const noToken = await json(bridge.app, 'GET', '/outbox/dead', undefined, {});
  assert.equal(noToken.status, 401);
  for (const qs of ['limit=0', 'limit=501', 'limit=ten', 'after=nope', 'bogus=1']) {
    const bad = await json(bridge.app, 'GET', `/outbox/dead?${qs}`);
    assert.equal(bad.status, 400, qs);
    assert.equal(bad.body.error.code, 'invalid_request');
  }
  const page1 = await json(bridge.app, 'GET', '/outbox/dead?limit=2');
  assert.equal(page1.status, 200);
  assert.equal(page1.body.total, 3);
  assert.deepEqual(page1.body.dead_letters.map((d) => d.event.data.body), ['poison 1', 'poison 2']);
  assert.deepEqual(page1.body.dead_letters.map((d) => [d.last_status, d.attempts, d.session_id]), [[400, 2, 'dl1'], [400, 2, 'dl1']]);
  const page2 = await json(bridge.app, 'GET', `/outbox/dead?limit=2&after=${page1.body.next_after}`);
  assert.deepEqual(page2.body.dead_letters.map((d) => d.event.data.body), ['poison 3']);
  assert.equal(page2.body.next_after, null);
  assert.equal((await json(bridge.app, 'GET', '/outbox/dead?session_id=other')).body.dead_letters.length, 0);
  assert.equal((await json(bridge.app, 'GET', '/outbox/dead?session_id=dl1')).body.dead_letters.length, 3);

  const missing = await json(bridge.app, 'POST', '/outbox/dead/evt_00000000000000000000000000/retry');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'dead_letter_not_found');
  assert.equal((await json(bridge.app, 'POST', '/outbox/dead/nope/retry')).status, 400);

  accept = true;
  const target = page1.body.dead_letters[1];
  const retried = await json(bridge.app, 'POST', `/outbox/dead/${target.id}/retry`);
  assert.equal(retried.status, 200);
  assert.deepEqual(retried.body, { id: target.id, session_id: 'dl1', type: 'message.received', queued: true });
  await waitFor(() => received().length === 3, { message: 'replayed' });
  assert.deepEqual(received(), ['fine 1', 'fine 2', 'poison 2']);
  assert.equal(receiver.delivered.find((d) => d.json.data?.body === 'poison 2').headers['webhook-id'], target.id);
  const after = await json(bridge.app, 'GET', '/health');
  assert.equal(after.body.outbox.dead_letters, 2);
});
