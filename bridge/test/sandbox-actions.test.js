// The agent's message actions on the sandbox (issue 15): edit within WhatsApp's window, delete for
// everyone (idempotent), forward (at most once per client_id), and the customer's phone view that
// shows their result.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBridge, startReceiver, json, connectedSandbox, waitFor } from './helpers/index.js';

let bridge;
let receiver;
before(async () => {
  receiver = await startReceiver();
  bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url });
  await connectedSandbox(bridge.app, 'act');
});
after(async () => {
  await bridge.close();
  await receiver.close();
});

const send = (body) => json(bridge.app, 'POST', '/sessions/act/messages', body);
const phoneView = async (phone) => (await json(bridge.app, 'GET', `/sandbox/sessions/act/customers/${phone}/messages`)).body;
const eventsOf = (type, id) => receiver.events((e) => e.session_id === 'act' && e.type === type && e.data.wa_message_id === id);
const path = (id, suffix = '') => `/sessions/act/messages/${encodeURIComponent(id)}${suffix}`;

test('edit: the customer sees the new text, message.edited is emitted; the same text again changes nothing', async () => {
  const sent = (await send({ to: '6281100000001', type: 'text', body: 'See you at 5', client_id: 'e1' })).body;
  const r = await json(bridge.app, 'POST', path(sent.wa_message_id, '/edit'), { body: 'See you at 6' });
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { wa_message_id: sent.wa_message_id, body: 'See you at 6' });
  assert.equal((await json(bridge.app, 'POST', path(sent.wa_message_id, '/edit'), { body: 'See you at 6' })).status, 200);
  await waitFor(() => eventsOf('message.edited', sent.wa_message_id).length === 1, { message: 'message.edited' });
  const shown = (await phoneView('6281100000001')).messages.find((m) => m.wa_message_id === sent.wa_message_id);
  assert.equal(shown.body, 'See you at 6');
  assert.equal(shown.edited, true);
  assert.equal(shown.direction, 'in');
  // Not again for the repeat: one edited event in all.
  const marker = (await send({ to: '6281100000001', type: 'text', body: 'marker', client_id: 'e1m' })).body;
  await waitFor(() => receiver.events((e) => e.data.wa_message_id === marker.wa_message_id).length > 0);
  assert.equal(eventsOf('message.edited', sent.wa_message_id).length, 1);
});

test('edit is refused after 15 minutes (422 edit_window_passed), for a customer\'s message, and for an unknown id', async () => {
  const sent = (await send({ to: '6281100000002', type: 'text', body: 'old', client_id: 'e2' })).body;
  bridge.sessions.get('act').network.index.get(sent.wa_message_id).timestamp -= 15 * 60 + 1;
  const late = await json(bridge.app, 'POST', path(sent.wa_message_id, '/edit'), { body: 'new' });
  assert.equal(late.status, 422);
  assert.equal(late.body.error.code, 'edit_window_passed');
  const theirs = (await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000002', body: 'hi' })).body;
  const notOurs = await json(bridge.app, 'POST', path(theirs.wa_message_id, '/edit'), { body: 'x' });
  assert.equal(notOurs.status, 422);
  assert.equal(notOurs.body.error.code, 'message_not_editable');
  const unknown = await json(bridge.app, 'POST', path('true_6281100000002@c.us_NOPE', '/edit'), { body: 'x' });
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'message_not_found');
});

test('delete for everyone: the customer\'s copy shows a deleted message; a second DELETE answers 200 and emits nothing more', async () => {
  const sent = (await send({ to: '6281100000003', type: 'text', body: 'wrong chat, sorry', client_id: 'd1' })).body;
  const first = await json(bridge.app, 'DELETE', path(sent.wa_message_id));
  assert.equal(first.status, 200);
  assert.deepEqual(first.body, { wa_message_id: sent.wa_message_id, revoked: true });
  const second = await json(bridge.app, 'DELETE', path(sent.wa_message_id));
  assert.equal(second.status, 200);
  await waitFor(() => eventsOf('message.revoked', sent.wa_message_id).length === 1, { message: 'message.revoked' });
  const shown = (await phoneView('6281100000003')).messages.find((m) => m.wa_message_id === sent.wa_message_id);
  assert.deepEqual([shown.type, shown.body, shown.revoked], ['revoked', '', true]);
  const theirs = (await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000003', body: 'mine' })).body;
  assert.equal((await json(bridge.app, 'DELETE', path(theirs.wa_message_id))).body.error.code, 'message_not_revocable');
  const marker = (await send({ to: '6281100000003', type: 'text', body: 'marker', client_id: 'd1m' })).body;
  await waitFor(() => receiver.events((e) => e.data.wa_message_id === marker.wa_message_id).length > 0);
  assert.equal(eventsOf('message.revoked', sent.wa_message_id).length, 1);
});

test('forward: a customer\'s photo to another customer, marked forwarded, at most once per client_id', async () => {
  const photo = (await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000004', type: 'image', media: 'sample:image', caption: 'the broken part' })).body;
  const fwd = { to: '6281100000005', client_id: 'f1', forward_of: photo.wa_message_id };
  const first = await send(fwd);
  assert.equal(first.status, 201);
  const again = await send(fwd);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, first.body);
  const created = await waitFor(() => eventsOf('message.created', first.body.wa_message_id)[0], { message: 'message.created' });
  assert.equal(created.data.forwarded, true);
  assert.equal(created.data.client_id, 'f1');
  assert.equal(created.data.type, 'image');
  assert.equal(created.data.caption, 'the broken part');
  const shown = (await phoneView('6281100000005')).messages;
  assert.equal(shown.length, 1);
  assert.deepEqual([shown[0].forwarded, shown[0].type, shown[0].direction], [true, 'image', 'in']);
  // Bad forwards: unknown source (nothing recorded, a retry may send), content beside forward_of.
  const missing = await send({ to: '6281100000005', client_id: 'f2', forward_of: 'false_6281100000004@c.us_NOPE' });
  assert.equal(missing.status, 404);
  assert.equal(bridge.store.sends.get(['act', 'f2']), undefined);
  const mixed = await send({ to: '6281100000005', client_id: 'f3', forward_of: photo.wa_message_id, body: 'and text' });
  assert.equal(mixed.status, 400);
  assert.ok(mixed.body.error.fields.body);
  const noType = await send({ to: '6281100000005', client_id: 'f4', body: 'x' });
  assert.equal(noType.body.error.fields.type, 'required');
});

test('the customer\'s phone shows the whole conversation in order, both ways', async () => {
  await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000006', body: 'Halo' });
  await send({ to: '6281100000006', type: 'text', body: 'Halo juga', client_id: 'c1' });
  await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000006', body: 'Terima kasih' });
  const { messages } = await phoneView('6281100000006');
  assert.deepEqual(messages.map((m) => [m.direction, m.body]), [['out', 'Halo'], ['in', 'Halo juga'], ['out', 'Terima kasih']]);
  assert.deepEqual((await phoneView('6281199999999')).messages, []);
});

test('a customer\'s forwarded message comes as message.received with forwarded: true, marked on their phone', async () => {
  const r = await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000007', body: 'Promo minggu ini', forwarded: true });
  const plain = await json(bridge.app, 'POST', '/sandbox/sessions/act/inbound', { from: '6281100000007', body: 'Mau tanya' });
  const received = await waitFor(() => {
    const found = receiver.events((e) => e.type === 'message.received' && e.data.chat_id === '6281100000007@c.us');
    return found.length === 2 && found;
  }, { message: 'both messages' });
  assert.equal(received.find((e) => e.data.wa_message_id === r.body.wa_message_id).data.forwarded, true);
  assert.equal('forwarded' in received.find((e) => e.data.wa_message_id === plain.body.wa_message_id).data, false);
  const { messages } = await phoneView('6281100000007');
  assert.deepEqual(messages.map((m) => [m.direction, m.forwarded]), [['out', true], ['out', false]]);
});
