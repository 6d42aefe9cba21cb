// The webjs engine's lifecycle and send path against a fake whatsapp-web.js Client (an
// EventEmitter that behaves like the real one: message_create and the first ack fire before
// sendMessage resolves). Messages are real whatsapp-web.js Message objects.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN, startBridge, startReceiver, json, waitFor } from './helpers/index.js';
import { WebjsEngine } from '../src/engines/webjs/engine.js';
import { SandboxEngine } from '../src/engines/sandbox/engine.js';

import { CUSTOMER, FakeClient, Message, rawMessage } from './helpers/fake-webjs.js';

const clients = [];
// Per session id: runs inside createClient() before the client exists (may wait or throw), like
// the real first call's heavy import of whatsapp-web.js and puppeteer.
const createHooks = new Map();
class FakeWebjsEngine extends WebjsEngine {
  async createClient() {
    await createHooks.get(this.id)?.();
    const client = new FakeClient();
    clients.push(client);
    return client;
  }
}

let bridge;
let receiver;
before(async () => {
  receiver = await startReceiver();
  bridge = await startBridge(
    { DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_WEBJS_RETRY_BASE_MS: '20', BRIDGE_WEBJS_RETRY_MAX_MS: '40' },
    { engines: { sandbox: SandboxEngine, webjs: FakeWebjsEngine } },
  );
});
after(async () => {
  await bridge.close();
  await receiver.close();
});

const of = (session) => receiver.events((e) => e.session_id === session);
const status = async (id) => (await json(bridge.app, 'GET', `/sessions/${id}`)).body;

async function connected(id) {
  const before = clients.length;
  await json(bridge.app, 'POST', '/sessions', { id, engine: 'webjs', workspace: 'demo' });
  await waitFor(async () => (await status(id)).status === 'qr', { message: 'qr' });
  const client = clients[before];
  client.ready();
  await waitFor(async () => (await status(id)).status === 'connected', { message: 'connected' });
  return client;
}

test('qr -> session.qr and status qr with a data URL; pairing code; ready -> connected with the phone', async () => {
  await json(bridge.app, 'POST', '/sessions', { id: 'wq', engine: 'webjs', workspace: 'demo' });
  const s = await waitFor(async () => { const b = await status('wq'); return b.status === 'qr' && b; });
  assert.equal(s.qr_raw, '2@fake-qr,abc=,def=');
  assert.match(s.qr, /^data:image\/png;base64,/);
  assert.deepEqual((await json(bridge.app, 'POST', '/sessions/wq/pairing-code', { phone: '6281234567890' })).body, { code: 'CODE7890' });
  // session.pairing_code is not optional any more: emitted whatever BRIDGE_OPTIONAL_EVENTS says.
  await waitFor(() => of('wq').some((e) => e.type === 'session.pairing_code' && e.data.code === 'CODE7890'), { message: 'session.pairing_code' });
  clients.at(-1).ready();
  const c = await waitFor(async () => { const b = await status('wq'); return b.status === 'connected' && b; });
  assert.equal(c.phone, '6289912345678');
  const statuses = () => of('wq').filter((e) => e.type === 'session.status').map((e) => e.data.status);
  await waitFor(() => statuses().length === 4 && of('wq').some((e) => e.type === 'session.qr'), { message: 'status events delivered' });
  // authenticated (the QR was scanned): starting again while the chats load, the QR gone.
  assert.deepEqual(statuses(), ['starting', 'qr', 'starting', 'connected']);
});

test('change_state: the link dropping shows disconnected, coming back connected; a ban is failed', async () => {
  const client = await connected('wcs');
  const statusesOf = () => of('wcs').filter((e) => e.type === 'session.status').map((e) => [e.data.status, e.data.reason]);
  client.emit('change_state', 'TIMEOUT');
  await waitFor(async () => (await status('wcs')).status === 'disconnected', { message: 'disconnected' });
  client.emit('change_state', 'CONNECTED');
  await waitFor(async () => (await status('wcs')).status === 'connected', { message: 'connected again' });
  client.emit('change_state', 'TOS_BLOCK');
  await waitFor(async () => (await status('wcs')).status === 'failed', { message: 'failed' });
  await waitFor(() => statusesOf().length === 7, { message: 'status events delivered' });
  assert.deepEqual(statusesOf().slice(4), [
    ['disconnected', 'reconnecting: TIMEOUT'], ['connected', null], ['failed', 'TOS_BLOCK: this number was blocked by WhatsApp'],
  ]);
});

test('our send: one message.created with the client_id, queued before its acks', async () => {
  const client = await connected('ws');
  const r = await json(bridge.app, 'POST', '/sessions/ws/messages', { to: '6281234567890', type: 'text', body: 'Hello', client_id: 'w-1', reply_to: 'false_6281234567890@c.us_ABC' });
  assert.equal(r.status, 201);
  assert.deepEqual(client.calls.find((c) => c[0] === 'sendMessage').slice(1), ['6281234567890@c.us', 'Hello', { sendSeen: false, quotedMessageId: 'false_6281234567890@c.us_ABC' }]);
  const id = r.body.wa_message_id;
  client.emit('message_ack', { id: { _serialized: id } }, 3);
  await waitFor(() => of('ws').filter((e) => e.data.wa_message_id === id).length === 3);
  const mine = of('ws').filter((e) => e.data.wa_message_id === id);
  assert.deepEqual(mine.map((e) => [e.type, e.data.client_id ?? e.data.ack]), [['message.created', 'w-1'], ['message.ack', 1], ['message.ack', 3]]);
  const again = await json(bridge.app, 'POST', '/sessions/ws/messages', { to: '6281234567890', type: 'text', body: 'Hello', client_id: 'w-1', reply_to: 'false_6281234567890@c.us_ABC' });
  assert.equal(again.status, 200);
  assert.equal(client.calls.filter((c) => c[0] === 'sendMessage').length, 1);
});

test('a number not on WhatsApp is send_failed with no record; a send that throws is never retried', async () => {
  const client = await connected('wf');
  const nobody = await json(bridge.app, 'POST', '/sessions/wf/messages', { to: '6280000000000', type: 'text', body: 'x', client_id: 'wf-1' });
  assert.equal(nobody.status, 502);
  assert.equal(nobody.body.error.code, 'send_failed');
  assert.equal(bridge.store.sends.get(['wf', 'wf-1']), undefined);
  client.failNextSend = true;
  const broken = await json(bridge.app, 'POST', '/sessions/wf/messages', { to: '6281234567890', type: 'text', body: 'x', client_id: 'wf-2' });
  assert.equal(broken.status, 502);
  assert.match(broken.body.error.message, /Evaluation failed/);
  const repeat = await json(bridge.app, 'POST', '/sessions/wf/messages', { to: '6281234567890', type: 'text', body: 'x', client_id: 'wf-2' });
  assert.equal(repeat.status, 409);
  assert.equal(repeat.body.error.code, 'send_outcome_unknown');
});

test('typed on the phone -> message.created with client_id null; received media is downloaded once and served', async () => {
  const client = await connected('wr');
  const phoneMsg = new Message(null, rawMessage({ fromMe: true, body: 'from my phone' }));
  client.emit('message_create', phoneMsg);
  const image = new Message(null, rawMessage({ fromMe: false, type: 'image', body: 'base64thumb', extra: { caption: 'look', mimetype: 'image/png', directPath: '/v/x.enc', size: 4 } }));
  let downloads = 0;
  image.downloadMedia = async () => { downloads++; return { mimetype: 'image/png', data: Buffer.from('PNG!').toString('base64'), filename: null }; };
  client.emit('message_create', image);
  client.emit('message', image);
  await waitFor(() => of('wr').some((e) => e.type === 'message.received'));
  const created = of('wr').find((e) => e.type === 'message.created');
  assert.equal(created.data.client_id, null);
  assert.equal(created.data.body, 'from my phone');
  const received = of('wr').find((e) => e.type === 'message.received');
  assert.equal(received.data.caption, 'look');
  assert.equal(received.data.from_name, 'Budi');
  assert.equal(downloads, 1);
  const res = await bridge.app.inject({ method: 'GET', url: `/sessions/wr/media/${received.data.media.id}`, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.body, 'PNG!');
});

test('a voice note goes as a voice message (sendAudioAsVoice), labelled audio/ogg; codecs=opus', async () => {
  const client = await connected('wv');
  const r = await json(bridge.app, 'POST', '/sessions/wv/messages', { to: '6281234567890', type: 'voice', media: { data: Buffer.from('OggS-fake').toString('base64'), mimetype: 'audio/ogg' }, client_id: 'wv-1' });
  assert.equal(r.status, 201);
  const [, , kind, options] = client.calls.find((c) => c[0] === 'sendMessage');
  assert.equal(kind, 'MessageMedia');
  assert.equal(options.sendAudioAsVoice, true);
  assert.equal(client.sentMedia.at(-1).mimetype, 'audio/ogg; codecs=opus');
});

test('seen, typing and reactions go to the client', async () => {
  const client = await connected('wo');
  await json(bridge.app, 'POST', '/sessions/wo/chats/6281234567890/seen');
  await json(bridge.app, 'POST', '/sessions/wo/chats/6281234567890@c.us/typing', { state: 'recording' });
  await json(bridge.app, 'POST', '/sessions/wo/chats/6281234567890@c.us/typing', { state: 'paused' });
  await json(bridge.app, 'POST', '/sessions/wo/messages/false_6281234567890@c.us_X/reactions', { emoji: '🙏' });
  assert.deepEqual(client.calls.filter((c) => c[0] !== 'destroy'), [
    ['sendSeen', '6281234567890@c.us'], ['recording', '6281234567890@c.us'], ['paused', '6281234567890@c.us'], ['react', 'false_6281234567890@c.us_X', '🙏'],
  ]);
});

test('disconnected reconnects with backoff; LOGOUT ends in logged_out; auth_failure is failed', async () => {
  const client = await connected('wd');
  const count = clients.length;
  client.emit('disconnected', 'CONFLICT');
  await waitFor(() => clients.length === count + 1, { message: 'a new client after the backoff' });
  assert.ok(client.calls.some((c) => c[0] === 'destroy'));
  const statusesOf = () => of('wd').filter((e) => e.type === 'session.status').map((e) => [e.data.status, e.data.reason]);
  await waitFor(() => statusesOf().length >= 6, { message: 'status events delivered' });
  assert.deepEqual(statusesOf().slice(4, 6), [['disconnected', 'disconnected: CONFLICT'], ['starting', null]]);

  const next = clients.at(-1);
  await waitFor(async () => (await status('wd')).status === 'qr');
  next.emit('auth_failure', 'bad session');
  await waitFor(async () => (await status('wd')).status === 'failed');
  assert.equal((await status('wd')).reason, 'auth_failure: bad session');

  const third = await waitFor(() => clients.length === count + 2 && clients.at(-1));
  await waitFor(async () => (await status('wd')).status === 'qr');
  third.ready();
  await waitFor(async () => (await status('wd')).status === 'connected');
  third.emit('disconnected', 'LOGOUT');
  await waitFor(async () => (await status('wd')).status === 'logged_out');
  const n = clients.length;
  // Not a wait for a condition: proving nothing happens takes time. A retry would come within 40 ms.
  await new Promise((r) => setTimeout(r, 150));
  assert.equal(clients.length, n, 'no reconnect after a logout');
});

// --- launch races -------------------------------------------------------------------------------

function gate() {
  let open;
  const promise = new Promise((resolve) => { open = resolve; });
  return { promise, open };
}

const statusEvents = (session) => of(session).filter((e) => e.type === 'session.status').map((e) => [e.data.status, e.data.reason]);

test('a DELETE while the client is being created launches nothing and reports nothing after logged_out', async () => {
  const loading = gate();
  let entered = false;
  createHooks.set('wrace', async () => { entered = true; await loading.promise; });
  const created = await json(bridge.app, 'POST', '/sessions', { id: 'wrace', engine: 'webjs', workspace: 'demo' });
  assert.equal(created.body.status, 'starting');
  await waitFor(() => entered, { message: 'createClient entered' });
  const n = clients.length;
  assert.equal((await json(bridge.app, 'DELETE', '/sessions/wrace')).body.status, 'logged_out');
  loading.open();
  const client = await waitFor(() => clients.length === n + 1 && clients.at(-1), { message: 'createClient finished' });
  // Not a wait for a condition: proving nothing happens takes time. A launch would call initialize() at once.
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(client.initialized, undefined, 'Chromium never launched');
  assert.equal((await json(bridge.app, 'GET', '/sessions/wrace')).status, 404);
  await waitFor(() => statusEvents('wrace').length === 2, { message: 'status events delivered' });
  assert.deepEqual(statusEvents('wrace'), [['starting', null], ['logged_out', 'logged out']]);
  assert.equal(of('wrace').filter((e) => e.type === 'session.qr').length, 0);
});

test('stop and start while the first client is being created: one client runs, not two', async () => {
  const first = gate();
  let calls = 0;
  createHooks.set('wtwice', async () => { if (++calls === 1) await first.promise; });
  await json(bridge.app, 'POST', '/sessions', { id: 'wtwice', engine: 'webjs', workspace: 'demo' });
  await waitFor(() => calls === 1, { message: 'first createClient entered' });
  assert.equal((await json(bridge.app, 'POST', '/sessions/wtwice/stop')).body.status, 'disconnected');
  const n = clients.length;
  await json(bridge.app, 'POST', '/sessions/wtwice/start');
  await waitFor(async () => (await status('wtwice')).status === 'qr', { message: 'second run shows a QR' });
  const second = clients[n];
  first.open();
  const late = await waitFor(() => clients.length === n + 2 && clients.at(-1), { message: 'first createClient finished' });
  await new Promise((r) => setTimeout(r, 100)); // as above: nothing must happen
  assert.equal(second.initialized, true);
  assert.equal(late.initialized, undefined, 'the first run gave up');
  second.ready();
  await waitFor(async () => (await status('wtwice')).status === 'connected');
  await json(bridge.app, 'POST', '/sessions/wtwice/stop');
});

test('createClient() failing (a broken install) is failed with the reason, then retried with backoff', async () => {
  let calls = 0;
  createHooks.set('wcf', async () => { if (++calls <= 2) throw new Error("Cannot find package 'puppeteer'\n    at resolve"); });
  const created = await json(bridge.app, 'POST', '/sessions', { id: 'wcf', engine: 'webjs', workspace: 'demo' });
  assert.equal(created.status, 201);
  await waitFor(async () => (await status('wcf')).status === 'qr', { message: 'a QR after two failed attempts' });
  assert.equal(calls, 3);
  const reason = "creating the WhatsApp client failed: Cannot find package 'puppeteer'";
  await waitFor(() => statusEvents('wcf').length === 6, { message: 'status events delivered' });
  assert.deepEqual(statusEvents('wcf'), [['starting', null], ['failed', reason], ['starting', null], ['failed', reason], ['starting', null], ['qr', null]]);
  await json(bridge.app, 'DELETE', '/sessions/wcf');
});

test('edit, delete for everyone and forward go through whatsapp-web.js; our own echoes are not reported twice', async () => {
  const client = await connected('wact');
  const sent = (await json(bridge.app, 'POST', '/sessions/wact/messages', { to: '6281234567890', type: 'text', body: 'See you at 5', client_id: 'wa-1' })).body;
  const at = `/sessions/wact/messages/${encodeURIComponent(sent.wa_message_id)}`;
  assert.deepEqual((await json(bridge.app, 'POST', `${at}/edit`, { body: 'See you at 6' })).body, { wa_message_id: sent.wa_message_id, body: 'See you at 6' });
  assert.deepEqual((await json(bridge.app, 'DELETE', at)).body, { wa_message_id: sent.wa_message_id, revoked: true });
  assert.equal((await json(bridge.app, 'DELETE', at)).status, 200, 'a second delete is answered too');
  const other = '6281299990000@c.us';
  assert.equal((await json(bridge.app, 'POST', '/sessions/wact/messages', { to: other, client_id: 'wa-2x', forward_of: sent.wa_message_id })).status, 404, 'a deleted message is not forwarded');
  const source = (await json(bridge.app, 'POST', '/sessions/wact/messages', { to: '6281234567890', type: 'text', body: 'Our address: Jl. Sudirman 1', client_id: 'wa-1b' })).body;
  const fwd = await json(bridge.app, 'POST', '/sessions/wact/messages', { to: other, client_id: 'wa-2', forward_of: source.wa_message_id });
  assert.equal(fwd.status, 201);
  assert.notEqual(fwd.body.wa_message_id, sent.wa_message_id);
  assert.match(fwd.body.wa_message_id, /^true_6281299990000@c\.us_/);
  assert.deepEqual(client.calls.filter((c) => ['edit', 'delete', 'forward'].includes(c[0])), [
    ['edit', sent.wa_message_id, 'See you at 6'], ['delete', sent.wa_message_id, true], ['forward', source.wa_message_id, other],
  ]);
  await waitFor(() => of('wact').filter((e) => e.data.wa_message_id === fwd.body.wa_message_id).length === 2, { message: 'forward created + ack' });
  const fwdEvents = of('wact').filter((e) => e.data.wa_message_id === fwd.body.wa_message_id);
  assert.deepEqual(fwdEvents.map((e) => e.type), ['message.created', 'message.ack']);
  assert.equal(fwdEvents[0].data.client_id, 'wa-2');
  assert.equal(fwdEvents[0].data.forwarded, true);
  const mine = of('wact').filter((e) => e.data.wa_message_id === sent.wa_message_id).map((e) => e.type);
  assert.equal(mine.filter((t) => t === 'message.edited').length, 1, 'the page echo of our edit is dropped');
  assert.equal(mine.filter((t) => t === 'message.revoked').length, 1);
  // Refusals: someone else's message, an edit past 15 minutes, an unknown id.
  const theirs = client.remember(new Message(null, rawMessage({ fromMe: false, body: 'hi' })));
  const r1 = await json(bridge.app, 'POST', `/sessions/wact/messages/${encodeURIComponent(theirs.id._serialized)}/edit`, { body: 'x' });
  assert.equal(r1.body.error.code, 'message_not_editable');
  const old = client.remember(new Message(null, rawMessage({ fromMe: true, body: 'old', extra: { t: Math.floor(Date.now() / 1000) - 16 * 60 } })));
  const r2 = await json(bridge.app, 'POST', `/sessions/wact/messages/${encodeURIComponent(old.id._serialized)}/edit`, { body: 'x' });
  assert.equal(r2.body.error.code, 'edit_window_passed');
  assert.equal((await json(bridge.app, 'DELETE', '/sessions/wact/messages/true_1%40c.us_NOPE')).status, 404);
});
