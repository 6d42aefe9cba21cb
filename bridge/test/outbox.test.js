// The outbox against a real HTTP receiver that fails (500s, then connection refused), then
// recovers: nothing lost, nothing reordered per session, webhook-id stable across retries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../src/store.js';
import { Outbox } from '../src/outbox.js';
import { buildEnvelope, events } from '../src/events.js';
import { startReceiver, freePort, tempDir, newSecret, waitFor } from './helpers/index.js';

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
