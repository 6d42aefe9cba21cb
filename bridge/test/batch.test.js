// Batched delivery (BRIDGE_OUTBOX_BATCH_MAX > 1): a backlog goes in batches, order kept, with
// per-event results; rejected events become dead letters; a Django without batches gets single
// events; an event with no backlog goes alone at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Store } from '../src/store.js';
import { Outbox } from '../src/outbox.js';
import { buildEnvelope, events } from '../src/contract/index.js';
import { startReceiver, tempDir, newSecret, waitFor } from './helpers/index.js';

const silent = pino({ level: 'silent' });
const ack = (n) => buildEnvelope({ type: 'message.ack', sessionId: 's', workspace: 'w', nodeId: 'n', epoch: 0, data: events.messageAck({ wa_message_id: `m${n}`, ack: 1 })[1] });

function makeOutbox(url, extra = {}) {
  const store = new Store(tempDir());
  const outbox = new Outbox({ store, url, secret: newSecret(), logger: silent, minBackoffMs: 10, maxBackoffMs: 50, requestTimeoutMs: 2000, batchMax: 4, ...extra });
  return { store, outbox };
}

/** What Django applies: every event of a batch (or a single one), in arrival order. */
const applied = (receiver) => receiver.delivered.flatMap((d) => (d.json.type === 'batch' ? d.json.data.events.map((e) => e.data.wa_message_id) : [d.json.data.wa_message_id]));

test('a backlog goes in batches of at most BATCH_MAX, in order, inner ids the events\' own webhook-ids', async (t) => {
  const receiver = await startReceiver();
  receiver.respond = () => 200;
  const answers = [];
  const { store, outbox } = makeOutbox(receiver.url);
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  const ids = [];
  for (let i = 0; i < 10; i++) ids.push(await outbox.enqueue('s', ack(i)));
  // Django answers each batch with a result per event.
  const server = receiver.server;
  server.removeAllListeners('request');
  server.on('request', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const json = JSON.parse(Buffer.concat(chunks));
      receiver.delivered.push({ headers: req.headers, json });
      const body = json.type === 'batch' ? { results: json.data.events.map((e) => ({ id: e.id, status: 'applied' })) } : { ok: true };
      answers.push(json.type);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    });
  });
  outbox.start();
  await waitFor(() => outbox.health().depth === 0, { message: 'drained' });
  assert.deepEqual(applied(receiver), Array.from({ length: 10 }, (_, i) => `m${i}`));
  assert.deepEqual(answers, ['batch', 'batch', 'batch']);
  const batches = receiver.delivered.map((d) => d.json);
  assert.deepEqual(batches.map((b) => b.data.events.length), [4, 4, 2]);
  assert.deepEqual(batches.flatMap((b) => b.data.events.map((e) => e.id)), ids);
  assert.deepEqual(Object.keys(batches[0]), ['type', 'session_id', 'workspace', 'node_id', 'epoch', 'occurred_at', 'data']);
  assert.deepEqual(Object.keys(batches[0].data.events[0]), ['id', 'type', 'occurred_at', 'data']);
  // No backlog: one event goes alone, at once.
  await outbox.enqueue('s', ack(10));
  await waitFor(() => outbox.health().depth === 0);
  assert.equal(receiver.delivered.at(-1).json.type, 'message.ack');
});

test('per-event results: a rejected event becomes a dead letter, one without a result is sent again, order kept', async (t) => {
  const receiver = await startReceiver();
  const { store, outbox } = makeOutbox(receiver.url);
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  for (let i = 0; i < 4; i++) await outbox.enqueue('s', ack(i));
  let first = true;
  receiver.server.removeAllListeners('request');
  receiver.server.on('request', (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const json = JSON.parse(Buffer.concat(chunks));
      const list = json.type === 'batch' ? json.data.events : [{ id: req.headers['webhook-id'], data: json.data }];
      receiver.delivered.push({ json });
      // First answer: m0 applied, m1 rejected, m2 applied, m3 missing (Django stopped early).
      const results = first
        ? [{ id: list[0].id, status: 'applied' }, { id: list[1].id, status: 'rejected', error: { code: 'invalid_payload' } }, { id: list[2].id, status: 'duplicate' }]
        : list.map((e) => ({ id: e.id, status: 'applied' }));
      first = false;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json.type === 'batch' ? { results } : { ok: true }));
    });
  });
  outbox.start();
  await waitFor(() => outbox.health().depth === 0, { message: 'drained' });
  assert.deepEqual(applied(receiver), ['m0', 'm1', 'm2', 'm3', 'm3']);
  assert.equal(outbox.health().dead_letters, 1);
  const dead = outbox.deadLetters().dead_letters[0];
  assert.equal(dead.event.data.wa_message_id, 'm1');
  assert.match(dead.last_response, /invalid_payload/);
  assert.equal(outbox.deadLetteredTotal(), 1);
});

test('a Django without batches (422 unknown_event_type) gets the backlog one event per POST, nothing lost', async (t) => {
  const receiver = await startReceiver({ respond: (entry) => (entry.json.type === 'batch' ? 422 : 200) });
  const { store, outbox } = makeOutbox(receiver.url);
  t.after(async () => { await outbox.stop(); await store.close(); await receiver.close(); });
  for (let i = 0; i < 6; i++) await outbox.enqueue('s', ack(i));
  outbox.start();
  await waitFor(() => outbox.health().depth === 0, { message: 'drained' });
  assert.equal(receiver.attempts.filter((a) => a.json.type === 'batch').length, 1, 'one refused batch, then single events');
  assert.deepEqual(receiver.delivered.map((d) => d.json.data.wa_message_id), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
  assert.equal(outbox.health().dead_letters, 0);
});
