// The sandbox's network conditions (issues 17 and 18): pairing by code, languages, a session that
// goes offline and catches up (history), a history import at pairing, customers switching to LID
// addressing, and a session that moves to another node with its pairing in the shared auth store.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startBridge, startReceiver, json, connectedSandbox, waitFor, tempDir } from './helpers/index.js';
import { AUTO_REPLIES } from '../src/engines/sandbox/phrases.js';

let bridge;
let receiver;
before(async () => {
  receiver = await startReceiver();
  bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_OPTIONAL_EVENTS: 'all' });
});
after(async () => {
  await bridge.close();
  await receiver.close();
});

const of = (session, type) => receiver.events((e) => e.session_id === session && (!type || e.type === type));
const control = (session, path, body) => json(bridge.app, 'POST', `/sandbox/sessions/${session}/${path}`, body);
const send = (session, body) => json(bridge.app, 'POST', `/sessions/${session}/messages`, body);
const status = async (session) => (await json(bridge.app, 'GET', `/sessions/${session}`)).body;

test('pairing code: the code is announced, the QR stops scanning itself, and the number pairs as the phone entered', async () => {
  await json(bridge.app, 'POST', '/sessions', { id: 'pc', engine: 'sandbox', workspace: 'demo', options: { qr_scan_delay_ms: 60000, pairing_delay_ms: 30 } });
  const r = await json(bridge.app, 'POST', '/sessions/pc/pairing-code', { phone: '+6281355550000' });
  assert.equal(r.status, 200);
  assert.match(r.body.code, /^[A-Z0-9]{8}$/);
  const connected = await waitFor(async () => { const s = await status('pc'); return s.status === 'connected' && s; }, { message: 'paired by code' });
  assert.equal(connected.phone, '6281355550000');
  await waitFor(() => of('pc', 'session.pairing_code').length === 1, { message: 'session.pairing_code' });
  assert.deepEqual(of('pc', 'session.pairing_code')[0].data, { code: r.body.code });
  const late = await json(bridge.app, 'POST', '/sessions/pc/pairing-code', { phone: '6281355550000' });
  assert.equal(late.body.error.code, 'invalid_session_state');
  const sent = await send('pc', { to: '6281100000001', type: 'text', body: 'hi', client_id: 'pc1' });
  const created = await waitFor(() => of('pc', 'message.created')[0]);
  assert.equal(created.data.from, '6281355550000@c.us');
  assert.equal(sent.status, 201);
});

test('language: simulated customers answer in Indonesian by default, in English when asked', async () => {
  for (const [id, language] of [['lang-id', undefined], ['lang-en', 'en']]) {
    await connectedSandbox(bridge.app, id, { auto_reply: true, auto_reply_typing_ms: 1, ...(language ? { language } : {}) });
    await send(id, { to: '6281100000001', type: 'text', body: 'Halo', client_id: `${id}-1` });
    const reply = await waitFor(() => of(id, 'message.received')[0], { message: `${id} auto-reply` });
    assert.ok(AUTO_REPLIES[language ?? 'id'].includes(reply.data.body), reply.data.body);
  }
  const bad = await json(bridge.app, 'POST', '/sessions', { id: 'lang-xx', engine: 'sandbox', workspace: 'demo', options: { language: 'fr' } });
  assert.ok(bad.body.error.fields['options.language']);
});

test('offline: sends are refused, customers\' messages wait; online: they arrive as history with the unread count, acks resume', async () => {
  await connectedSandbox(bridge.app, 'off', { ack_delays_ms: { sent: 1, delivered: 300, read: 400 } });
  const before = (await send('off', { to: '6281100000002', type: 'text', body: 'before', client_id: 'off-0' })).body;
  await waitFor(() => of('off', 'message.ack').some((e) => e.data.wa_message_id === before.wa_message_id));
  const down = await control('off', 'offline');
  assert.equal(down.body.status, 'disconnected');
  assert.equal(down.body.reason_code, 'connection_lost');
  assert.equal((await send('off', { to: '6281100000002', type: 'text', body: 'x', client_id: 'off-1' })).body.error.code, 'session_not_connected');
  const held = [];
  for (const body of ['Halo?', 'Masih buka?']) held.push((await control('off', 'inbound', { from: '6281100000002', body })).body);
  held.push((await control('off', 'inbound', { from: '6281100000003', body: 'Ping' })).body);
  assert.ok(held.every((h) => h.held === true));
  assert.equal(of('off', 'message.received').length, 0, 'nothing arrives while offline');
  const up = await control('off', 'online');
  assert.equal(up.body.status, 'connected');
  await waitFor(() => of('off', 'chat.unread').length === 2, { message: 'unread counts' });
  const received = of('off', 'message.received');
  assert.deepEqual(received.map((e) => [e.data.wa_message_id, e.data.history]), held.map((h) => [h.wa_message_id, true]));
  assert.deepEqual(of('off', 'chat.unread').map((e) => e.data), [{ chat_id: '6281100000002@c.us', unread_count: 2 }, { chat_id: '6281100000003@c.us', unread_count: 1 }]);
  // The acks due while offline come after the link is back.
  await waitFor(() => of('off', 'message.ack').filter((e) => e.data.wa_message_id === before.wa_message_id).length === 3, { message: 'acks after online' });
});

test('history import at the first pairing: chats x messages as history, in order, with unread counts', async () => {
  await connectedSandbox(bridge.app, 'hist', { history: { chats: 3, messages: 5 } });
  await waitFor(() => of('hist', 'chat.unread').length === 3, { message: 'history imported' });
  const messages = of('hist').filter((e) => e.type === 'message.received' || e.type === 'message.created');
  assert.equal(messages.length, 15);
  assert.ok(messages.every((e) => e.data.history === true && e.data.client_id === null));
  const times = messages.map((e) => e.data.timestamp);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  assert.ok(times.at(-1) < Date.now() / 1000);
  assert.deepEqual(of('hist', 'chat.unread').map((e) => e.data.unread_count), [1, 1, 1]);
  assert.equal(of('hist', 'message.ack').length, 0, 'history is not acked again');
});

test('LID: a customer switched to a LID writes from it; the mapping is announced when asked; sending to either id works', async () => {
  await connectedSandbox(bridge.app, 'lid');
  const phoneId = '6281100000004@c.us';
  const quiet = await control('lid', 'lid', { from: '6281100000004', lid: '201234567890123' });
  assert.deepEqual(quiet.body, { phone: '6281100000004', lid: '201234567890123@lid', announced: false });
  const m1 = (await control('lid', 'inbound', { from: '6281100000004', body: 'from my lid' })).body;
  const e1 = await waitFor(() => of('lid', 'message.received').find((e) => e.data.wa_message_id === m1.wa_message_id));
  assert.equal(e1.data.chat_id, '201234567890123@lid');
  assert.equal(e1.data.chat_lid, '201234567890123@lid');
  assert.equal(e1.data.chat_phone_id, undefined);
  assert.equal(of('lid', 'contact.identity').length, 0);
  await control('lid', 'lid', { from: '6281100000004', announce: true });
  await waitFor(() => of('lid', 'contact.identity').length === 1, { message: 'contact.identity' });
  assert.deepEqual(of('lid', 'contact.identity')[0].data, { lid: '201234567890123@lid', phone_id: phoneId });
  const m2 = (await control('lid', 'inbound', { from: '201234567890123@lid', body: 'mapped now' })).body;
  const e2 = await waitFor(() => of('lid', 'message.received').find((e) => e.data.wa_message_id === m2.wa_message_id));
  assert.deepEqual([e2.data.chat_id, e2.data.chat_lid, e2.data.chat_phone_id], ['201234567890123@lid', '201234567890123@lid', phoneId]);
  const toLid = await send('lid', { to: '201234567890123@lid', type: 'text', body: 'to your lid', client_id: 'l1' });
  const toPhone = await send('lid', { to: '6281100000004', type: 'text', body: 'to your number', client_id: 'l2' });
  assert.deepEqual([toLid.status, toPhone.status], [201, 201]);
  const created = await waitFor(() => of('lid', 'message.created').length === 2 && of('lid', 'message.created'));
  assert.deepEqual(created.map((e) => [e.data.chat_id, e.data.chat_lid, e.data.chat_phone_id]), [
    ['201234567890123@lid', '201234567890123@lid', phoneId], [phoneId, '201234567890123@lid', phoneId],
  ]);
  const phone = (await json(bridge.app, 'GET', '/sandbox/sessions/lid/customers/6281100000004/messages')).body.messages;
  assert.deepEqual(phone.map((m) => m.body), ['from my lid', 'mapped now', 'to your lid', 'to your number']);
});

/** Django's internal auth store, as the contract describes it (GET/PUT/DELETE, bearer token). */
async function fakeAuthStore(token) {
  const blobs = new Map();
  const calls = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = decodeURIComponent(req.url.replace('/internal/bridge/auth/', ''));
      calls.push([req.method, id]);
      if (req.headers.authorization !== `Bearer ${token}`) { res.writeHead(401); return res.end(); }
      if (req.method === 'PUT') { blobs.set(id, Buffer.concat(chunks)); res.writeHead(204); return res.end(); }
      if (req.method === 'DELETE') { const had = blobs.delete(id); res.writeHead(had ? 204 : 404); return res.end(); }
      if (!blobs.has(id)) { res.writeHead(404); return res.end(); }
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(blobs.get(id));
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { blobs, calls, url: `http://127.0.0.1:${server.address().port}`, close: () => new Promise((r) => server.close(r)) };
}

test('BRIDGE_AUTH_STORE=remote: a sandbox session released on one node reconnects on another without a QR, ids never repeating', async () => {
  const { TOKEN } = await import('./helpers/index.js');
  const store = await fakeAuthStore(TOKEN);
  const env = { DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_AUTH_STORE: 'remote', INTERNAL_BASE_URL: store.url };
  const a = await startBridge({ ...env, BRIDGE_NODE_ID: 'node-a', BRIDGE_DATA_DIR: tempDir() });
  const b = await startBridge({ ...env, BRIDGE_NODE_ID: 'node-b', BRIDGE_DATA_DIR: tempDir() });
  try {
    await connectedSandbox(a.app, 'mv');
    assert.equal(JSON.parse(store.blobs.get('mv')).paired, true);
    const first = (await json(a.app, 'POST', '/sessions/mv/messages', { to: '6281100000001', type: 'text', body: 'on a', client_id: 'mv-1' })).body;
    assert.equal((await json(a.app, 'POST', '/sessions/mv/release')).status, 200);
    const moved = await json(b.app, 'POST', '/sessions', { id: 'mv', engine: 'sandbox', workspace: 'demo', epoch: 1, options: { qr_scan_delay_ms: 60000, seed: 42 } });
    assert.equal(moved.status, 201);
    assert.equal(moved.body.status, 'connected', 'no QR on the new node');
    assert.equal(moved.body.epoch, 1);
    const second = (await json(b.app, 'POST', '/sessions/mv/messages', { to: '6281100000001', type: 'text', body: 'on b', client_id: 'mv-2' })).body;
    assert.notEqual(second.wa_message_id, first.wa_message_id);
    const fromB = await waitFor(() => receiver.events((e) => e.session_id === 'mv' && e.node_id === 'node-b' && e.type === 'session.status' && e.data.status === 'connected')[0]);
    assert.equal(fromB.epoch, 1);
    const released = receiver.events((e) => e.session_id === 'mv' && e.node_id === 'node-a' && e.data.reason_code === 'released');
    assert.equal(released.length, 1);
    assert.equal(released[0].epoch, 0);
    assert.equal((await json(b.app, 'DELETE', '/sessions/mv')).body.status, 'logged_out');
    assert.equal(store.blobs.has('mv'), false, 'logging out removes the shared login');
  } finally {
    await a.close();
    await b.close();
    await store.close();
  }
});
