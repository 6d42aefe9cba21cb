// The sandbox engine: QR flow, acks and their timing, failures, control and observation routes,
// auto-replies, determinism by seed, reconnect after a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { TOKEN, startBridge, startReceiver, json, connectedSandbox, waitFor, tempDir } from './helpers/index.js';
import { loadSample } from '../src/engines/sandbox/samples.js';

let bridge;
let receiver;
before(async () => {
  receiver = await startReceiver();
  bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url });
});
after(async () => {
  await bridge.close();
  await receiver.close();
});

const of = (session) => receiver.events((e) => e.session_id === session);
const send = (session, body) => json(bridge.app, 'POST', `/sessions/${session}/messages`, body);
const control = (session, path, body) => json(bridge.app, 'POST', `/sandbox/sessions/${session}/${path}`, body);

test('status goes starting -> qr (with session.qr) -> connected after the scan delay', async () => {
  await json(bridge.app, 'POST', '/sessions', { id: 'life', engine: 'sandbox', workspace: 'acme', options: { qr_scan_delay_ms: 50 } });
  await waitFor(() => of('life').some((e) => e.type === 'session.status' && e.data.status === 'connected'), { message: 'connected' });
  const seq = of('life').map((e) => (e.type === 'session.status' ? e.data.status : e.type));
  assert.deepEqual(seq, ['starting', 'qr', 'session.qr', 'connected']);
  const qr = of('life').find((e) => e.type === 'session.qr');
  assert.match(qr.data.qr, /^2@/);
  assert.match(qr.data.qr_data_url, /^data:image\/png;base64,/);
  const connected = of('life').at(-1);
  assert.equal(connected.workspace, 'acme');
  assert.equal(typeof connected.occurred_at, 'number');
  assert.match(connected.data.phone, /^[0-9]+$/);
  assert.equal(connected.data.reason, null);
});

test('acks arrive in order, each after its configured delay', async () => {
  await connectedSandbox(bridge.app, 'timing', { ack_delays_ms: { sent: 30, delivered: 90, read: 150 } });
  const t0 = Date.now();
  const r = await send('timing', { to: '6281100000001', type: 'text', body: 'tick', client_id: 't1' });
  const acks = () => receiver.events((e) => e.type === 'message.ack' && e.data.wa_message_id === r.body.wa_message_id);
  await waitFor(() => acks().length === 3, { message: 'three acks' });
  const got = acks();
  assert.deepEqual(got.map((e) => e.data.ack), [1, 2, 3]);
  const at = got.map((e) => e.occurred_at * 1000 - t0);
  assert.ok(at[0] >= 25 && at[1] >= 85 && at[2] >= 145, `ack times ${at}`);
  assert.ok(at[0] <= at[1] && at[1] <= at[2]);
  const view = (await json(bridge.app, 'GET', '/sandbox/sessions/timing/customers/6281100000001')).body;
  assert.equal(view.received[0].ack, 3);
});

test('a number configured to fail gets ack -1 and nothing more', async () => {
  await connectedSandbox(bridge.app, 'failing', { fail_numbers: ['6281299999999'] });
  const r = await send('failing', { to: '6281299999999@c.us', type: 'text', body: 'nobody', client_id: 'f1' });
  assert.equal(r.status, 201);
  await waitFor(() => receiver.events((e) => e.data.wa_message_id === r.body.wa_message_id && e.type === 'message.ack').length === 1);
  // The ok number's acks finishing proves the failing one had time to produce more, had it been going to.
  const ok = await send('failing', { to: '6281100000001', type: 'text', body: 'somebody', client_id: 'f2' });
  await waitFor(() => receiver.events((e) => e.data.wa_message_id === ok.body.wa_message_id && e.type === 'message.ack').length === 3);
  assert.deepEqual(receiver.events((e) => e.data.wa_message_id === r.body.wa_message_id && e.type === 'message.ack').map((e) => e.data.ack), [-1]);
});

test('a send to a group is 422 not_supported_by_engine, to a LID no customer uses 502 send_failed; neither leaves a record or emits', async () => {
  await connectedSandbox(bridge.app, 'nogroups');
  for (const [to, status, code, what] of [['120363025555555555@g.us', 422, 'not_supported_by_engine', /group chats/], ['123456789012345@lid', 502, 'send_failed', /no sandbox customer uses/]]) {
    const r = await send('nogroups', { to, type: 'text', body: 'hello all', client_id: `g-${to}` });
    assert.equal(r.status, status, to);
    assert.equal(r.body.error.code, code);
    assert.match(r.body.error.message, what);
    assert.equal(bridge.store.sends.get(['nogroups', `g-${to}`]), undefined, 'no idempotency record: nothing was sent');
  }
  const ok = await send('nogroups', { to: '6281100000001', type: 'text', body: 'hello', client_id: 'g-ok' });
  assert.equal(ok.status, 201);
  await waitFor(() => of('nogroups').some((e) => e.type === 'message.created'));
  assert.deepEqual(of('nogroups').filter((e) => e.type === 'message.created').map((e) => e.data.client_id), ['g-ok']);
});

test('customers send messages (text, sample media, uploaded media, location, contact) as message.received', async () => {
  await connectedSandbox(bridge.app, 'inb');
  const text = await control('inb', 'inbound', { from: '6281100000002', name: 'Budi S.', body: 'Halo, is the shop open?' });
  assert.equal(text.status, 200);
  assert.match(text.body.wa_message_id, /^false_6281100000002@c\.us_[0-9A-F]{32}$/);
  const ev = await waitFor(() => receiver.events((e) => e.data.wa_message_id === text.body.wa_message_id)[0]);
  assert.equal(ev.type, 'message.received');
  assert.deepEqual(
    { ...ev.data, timestamp: 0 },
    { wa_message_id: text.body.wa_message_id, chat_id: '6281100000002@c.us', from: '6281100000002@c.us', from_name: 'Budi S.', to: ev.data.to, type: 'text', body: 'Halo, is the shop open?', caption: null, media: null, reply_to: null, timestamp: 0, client_id: null },
  );
  assert.match(ev.data.to, /^[0-9]+@c\.us$/);

  const image = await control('inb', 'inbound', { from: '6281100000002', type: 'image', media: 'sample:image', caption: 'this one', reply_to: text.body.wa_message_id });
  const imageEv = await waitFor(() => receiver.events((e) => e.data.wa_message_id === image.body.wa_message_id)[0]);
  assert.equal(imageEv.data.caption, 'this one');
  assert.equal(imageEv.data.reply_to, text.body.wa_message_id);
  assert.equal(imageEv.data.media.mimetype, 'image/jpeg');
  const bytes = await bridge.app.inject({ method: 'GET', url: `/sessions/inb/media/${imageEv.data.media.id}`, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(bytes.statusCode, 200);
  assert.deepEqual(bytes.rawPayload, loadSample('image').data);

  const voice = await control('inb', 'inbound', { from: '6281100000002', type: 'voice' });
  const voiceEv = await waitFor(() => receiver.events((e) => e.data.wa_message_id === voice.body.wa_message_id)[0]);
  assert.equal(voiceEv.data.type, 'voice');
  assert.equal(voiceEv.data.media.mimetype, 'audio/ogg; codecs=opus');

  const upload = await control('inb', 'inbound', { from: '6281100000002', type: 'document', media: { data: Buffer.from('hello').toString('base64'), mimetype: 'text/plain', filename: 'note.txt' } });
  const uploadEv = await waitFor(() => receiver.events((e) => e.data.wa_message_id === upload.body.wa_message_id)[0]);
  assert.deepEqual({ ...uploadEv.data.media, id: 'x' }, { id: 'x', mimetype: 'text/plain', filename: 'note.txt', size: 5 });

  const loc = await control('inb', 'inbound', { from: '6281100000002', type: 'location', location: { latitude: 1.5, longitude: 2.5, name: 'Home' } });
  const locEv = await waitFor(() => receiver.events((e) => e.data.wa_message_id === loc.body.wa_message_id)[0]);
  assert.deepEqual(locEv.data.location, { latitude: 1.5, longitude: 2.5, name: 'Home', address: null });

  const card = await control('inb', 'inbound', { from: '6281100000002', type: 'contact', contact: { name: 'Sis', phone: '6281100000077' } });
  const cardEv = await waitFor(() => receiver.events((e) => e.data.wa_message_id === card.body.wa_message_id)[0]);
  assert.equal(cardEv.data.contact.name, 'Sis');
  assert.equal(cardEv.data.contact.phone, '6281100000077');

  const missing = await control('inb', 'inbound', { from: '6281100000002', type: 'location' });
  assert.equal(missing.status, 400);
  assert.ok(missing.body.error.fields.location);
  const badSample = await control('inb', 'inbound', { from: '6281100000002', type: 'image', media: 'sample:nope' });
  assert.equal(badSample.status, 400);
});

test('customers type, go online, react, edit and delete; the phone owner types too', async () => {
  await connectedSandbox(bridge.app, 'ctl');
  const from = '6281100000003@c.us';
  assert.equal((await control('ctl', 'typing', { from, state: 'typing' })).status, 200);
  assert.equal((await control('ctl', 'presence', { from, online: true })).status, 200);
  assert.equal((await control('ctl', 'presence', { from, online: false })).status, 200);
  const msg = await control('ctl', 'inbound', { from, body: 'typo hre' });
  const ours = await send('ctl', { to: from, type: 'text', body: 'Hi!', client_id: 'ctl-1' });
  assert.equal((await control('ctl', 'reactions', { from, wa_message_id: ours.body.wa_message_id, emoji: '👍' })).status, 200);
  assert.equal((await control('ctl', 'edit', { from, wa_message_id: msg.body.wa_message_id, body: 'typo here' })).status, 200);
  assert.equal((await control('ctl', 'revoke', { from, wa_message_id: msg.body.wa_message_id })).status, 200);
  // A customer cannot edit someone else's message.
  const notTheirs = await control('ctl', 'edit', { from, wa_message_id: ours.body.wa_message_id, body: 'x' });
  assert.equal(notTheirs.status, 404);
  assert.equal(notTheirs.body.error.code, 'message_not_found');
  const phone = await control('ctl', 'phone-message', { to: from, body: 'sent from my phone' });
  assert.equal(phone.status, 200);

  await waitFor(() => of('ctl').some((e) => e.data.wa_message_id === phone.body.wa_message_id && e.type === 'message.created'));
  const seq = of('ctl').filter((e) => !e.type.startsWith('session.') && e.type !== 'message.ack');
  const pick = (type) => seq.filter((e) => e.type === type).map((e) => e.data);
  assert.deepEqual(pick('chat.typing'), [{ chat_id: from, from, state: 'typing' }]);
  const presence = pick('contact.presence');
  assert.deepEqual(presence.map((p) => p.online), [true, false]);
  assert.equal(presence[0].last_seen, null);
  assert.equal(typeof presence[1].last_seen, 'number');
  assert.deepEqual(pick('message.reaction'), [{ wa_message_id: ours.body.wa_message_id, from, emoji: '👍' }]);
  assert.deepEqual(pick('message.edited'), [{ wa_message_id: msg.body.wa_message_id, body: 'typo here' }]);
  assert.deepEqual(pick('message.revoked'), [{ wa_message_id: msg.body.wa_message_id }]);
  const phoneCreated = pick('message.created').find((d) => d.wa_message_id === phone.body.wa_message_id);
  assert.equal(phoneCreated.client_id, null);
  assert.equal(phoneCreated.body, 'sent from my phone');
});

test('what the agent does is observable per customer: received, seen, typing, reactions; and the network log', async () => {
  await connectedSandbox(bridge.app, 'obs');
  const chat = '6281100000004@c.us';
  const m = await send('obs', { to: chat, type: 'text', body: 'Your order shipped', client_id: 'obs-1' });
  assert.equal((await json(bridge.app, 'POST', `/sessions/obs/chats/${chat}/typing`, { state: 'typing' })).status, 200);
  assert.equal((await json(bridge.app, 'POST', `/sessions/obs/chats/${chat}/typing`, { state: 'paused' })).status, 200);
  assert.equal((await json(bridge.app, 'POST', '/sessions/obs/chats/6281100000004/seen')).status, 200);
  const react = await json(bridge.app, 'POST', `/sessions/obs/messages/${encodeURIComponent(m.body.wa_message_id)}/reactions`, { emoji: '❤️' });
  assert.equal(react.status, 200);
  const unknown = await json(bridge.app, 'POST', '/sessions/obs/messages/true_1@c.us_NOPE/reactions', { emoji: '❤️' });
  assert.equal(unknown.status, 404);
  const view = (await json(bridge.app, 'GET', '/sandbox/sessions/obs/customers/6281100000004')).body;
  assert.equal(view.name, 'Dimas Pratama');
  assert.equal(view.received.length, 1);
  assert.equal(view.received[0].body, 'Your order shipped');
  assert.equal(view.received[0].client_id, 'obs-1');
  assert.deepEqual(view.agent_typing.map((t) => t.state), ['typing', 'paused']);
  assert.equal(typeof view.seen_at, 'number');
  assert.equal(view.reactions[0].emoji, '❤️');
  const log = (await json(bridge.app, 'GET', '/sandbox/sessions/obs/log')).body.entries;
  const kinds = log.map((e) => e.kind);
  assert.ok(kinds.indexOf('message') < kinds.indexOf('agent_typing'));
  assert.ok(kinds.includes('seen') && kinds.includes('reaction'));
  assert.deepEqual(log.map((e) => e.seq), [...log.map((e) => e.seq)].sort((a, b) => a - b));
});

test('auto_reply: the customer goes online, types, replies, stops typing and goes offline', async () => {
  await connectedSandbox(bridge.app, 'auto', { auto_reply: true, auto_reply_typing_ms: 40 });
  const m = await send('auto', { to: '6281100000005', type: 'text', body: 'Anything else?', client_id: 'auto-1' });
  await waitFor(() => of('auto').some((e) => e.type === 'contact.presence' && e.data.online === false), { message: 'auto reply finished' });
  const seq = of('auto')
    .filter((e) => ['message.received', 'chat.typing', 'contact.presence'].includes(e.type) || (e.type === 'message.ack' && e.data.wa_message_id === m.body.wa_message_id))
    .map((e) => (e.type === 'message.ack' ? `ack${e.data.ack}` : e.type === 'chat.typing' ? e.data.state : e.type === 'contact.presence' ? (e.data.online ? 'online' : 'offline') : 'reply'));
  assert.deepEqual(seq, ['ack1', 'ack2', 'ack3', 'online', 'typing', 'paused', 'reply', 'offline']);
  const reply = of('auto').find((e) => e.type === 'message.received');
  assert.equal(reply.data.from_name, 'Eka Putri');
  assert.ok(reply.data.body.length > 0);
});

test('greetings: customers write first once the number is paired, online and typing before it; a restart does not repeat them', async () => {
  const greetings = [
    { from: '6281100000003', body: 'Hello, is the shop open today?', after_ms: 5 },
    { from: '6281100000004', body: 'My order has not arrived yet.', after_ms: 40 },
  ];
  await connectedSandbox(bridge.app, 'greet', { greetings, auto_reply_typing_ms: 20 });
  const received = () => of('greet').filter((e) => e.type === 'message.received');
  await waitFor(() => received().length === 2, { message: 'both greetings' });
  assert.deepEqual(received().map((e) => [e.data.from, e.data.from_name, e.data.body]), [
    ['6281100000003@c.us', 'Citra Dewi', 'Hello, is the shop open today?'],
    ['6281100000004@c.us', 'Dimas Pratama', 'My order has not arrived yet.'],
  ]);
  for (const { data } of received()) {
    const chat = of('greet').filter((e) => e.data.chat_id === data.from || e.data.from === data.from);
    const kinds = chat.map((e) => (e.type === 'chat.typing' ? e.data.state : e.type === 'contact.presence' ? (e.data.online ? 'online' : 'offline') : e.type));
    assert.deepEqual(kinds.slice(0, 4), ['online', 'typing', 'paused', 'message.received'], `${data.from}: online and typing first`);
  }

  const restarted = (await json(bridge.app, 'POST', '/sessions/greet/restart')).status;
  assert.ok([200, 202].includes(restarted));
  await waitFor(() => of('greet').filter((e) => e.type === 'session.status' && e.data.status === 'connected').length === 2, { message: 'reconnected' });
  // Scheduled once, at the pairing: the reconnect after the restart scheduled none.
  const log = (await json(bridge.app, 'GET', '/sandbox/sessions/greet/log')).body.entries;
  assert.deepEqual(log.filter((e) => e.kind === 'greetings').map((e) => e.count), [2]);
  const marker = (await control('greet', 'inbound', { from: '6281100000005', body: 'marker' })).body.wa_message_id;
  await waitFor(() => received().some((e) => e.data.wa_message_id === marker), { message: 'marker' });
  assert.equal(received().length, 3);
});

test('greetings that are not a list of {from, body, after_ms} are a 400 naming the option', async () => {
  for (const greetings of ['hi', [{ from: 'abc', body: 'x' }], [{ from: '6281100000001', body: '' }], [{ from: '6281100000001', body: 'x', after_ms: -1 }],
    Array.from({ length: 11 }, () => ({ from: '6281100000001', body: 'x' }))]) {
    const r = await json(bridge.app, 'POST', '/sessions', { id: 'greet-bad', engine: 'sandbox', workspace: 'acme', options: { greetings } });
    assert.equal(r.status, 400, JSON.stringify(greetings).slice(0, 80));
    assert.ok('options.greetings' in r.body.error.fields, JSON.stringify(r.body));
  }
});

test('the same seed gives the same session: QR, phone, ids and replies', async () => {
  const run = async () => {
    const r = await startReceiver();
    const b = await startBridge({ DJANGO_WEBHOOK_URL: r.url });
    try {
      await connectedSandbox(b.app, 'det', { seed: 1234, auto_reply: true, auto_reply_typing_ms: 1 });
      const out = [];
      out.push((await json(b.app, 'POST', '/sessions/det/messages', { to: '6281100000001', type: 'text', body: 'm0', client_id: 'd0' })).body.wa_message_id);
      await waitFor(() => r.events((e) => e.type === 'message.received' && e.data.from === '6281100000001@c.us').length === 1, { message: 'auto reply' });
      const reply = r.events((e) => e.type === 'message.received' && e.data.from === '6281100000001@c.us')[0].data;
      out.push((await json(b.app, 'POST', '/sandbox/sessions/det/inbound', { from: '6281100000002', body: 'x' })).body.wa_message_id);
      const qr = r.events((e) => e.type === 'session.qr')[0].data.qr;
      const phone = (await json(b.app, 'GET', '/sessions/det')).body.phone;
      return { ids: out, reply: [reply.wa_message_id, reply.body], qr, phone };
    } finally {
      await b.close();
      await r.close();
    }
  };
  const [a, b] = [await run(), await run()];
  assert.deepEqual(a, b);
});

test('a connected sandbox session reconnects after a restart without a new QR', async () => {
  const dataDir = tempDir();
  const r = await startReceiver();
  let b = await startBridge({ DJANGO_WEBHOOK_URL: r.url, BRIDGE_DATA_DIR: dataDir });
  await connectedSandbox(b.app, 'again');
  const first = (await json(b.app, 'POST', '/sessions/again/messages', { to: '6281100000001', type: 'text', body: 'before', client_id: 'r1' })).body;
  await b.close();
  b = await startBridge({ DJANGO_WEBHOOK_URL: r.url, BRIDGE_DATA_DIR: dataDir });
  try {
    const s = (await json(b.app, 'GET', '/sessions/again')).body;
    assert.equal(s.status, 'connected');
    // The idempotency record survived: the same client_id answers the same.
    const repeat = await json(b.app, 'POST', '/sessions/again/messages', { to: '6281100000001', type: 'text', body: 'before', client_id: 'r1' });
    assert.equal(repeat.status, 200);
    assert.deepEqual(repeat.body, first);
    // New ids never collide with the ones from before the restart.
    const next = (await json(b.app, 'POST', '/sessions/again/messages', { to: '6281100000001', type: 'text', body: 'after', client_id: 'r2' })).body;
    assert.notEqual(next.wa_message_id, first.wa_message_id);
    await waitFor(() => r.events((e) => e.session_id === 'again' && e.type === 'session.status').length >= 5);
    const statuses = r.events((e) => e.session_id === 'again' && e.type === 'session.status').map((e) => e.data.status);
    assert.deepEqual(statuses, ['starting', 'qr', 'connected', 'starting', 'connected']);
  } finally {
    await b.close();
    await r.close();
  }
});

test('acks still due when the bridge stops are sent after it starts again, each once', async () => {
  const dataDir = tempDir();
  const r = await startReceiver();
  let b = await startBridge({ DJANGO_WEBHOOK_URL: r.url, BRIDGE_DATA_DIR: dataDir });
  await connectedSandbox(b.app, 'pending', { ack_delays_ms: { sent: 1, delivered: 300, read: 600, played: 700 } });
  const m = (await json(b.app, 'POST', '/sessions/pending/messages', { to: '6281100000001', type: 'voice', media: { data: loadSample('voice').data.toString('base64'), mimetype: 'audio/ogg; codecs=opus' }, client_id: 'p1' })).body;
  // The stop below may cut the first ack's POST after the receiver answered it: it is then
  // delivered again (same webhook-id) after the restart, which is at-least-once, not a repeat.
  const acks = () => r.distinctEvents((e) => e.type === 'message.ack' && e.data.wa_message_id === m.wa_message_id).map((e) => e.data.ack);
  await waitFor(() => acks().length === 1, { message: 'first ack' });
  await b.close();
  b = await startBridge({ DJANGO_WEBHOOK_URL: r.url, BRIDGE_DATA_DIR: dataDir });
  try {
    await waitFor(() => acks().length === 4, { message: 'remaining acks after restart' });
    assert.deepEqual(acks(), [1, 2, 3, 4]);
    await waitFor(() => b.store.engineKv.getRange({}).asArray.length === 0, { message: 'nothing left pending' });
  } finally {
    await b.close();
    await r.close();
  }
});

test('a stopped session stays stopped across a restart, keeps its pairing, and starts again', async () => {
  const dataDir = tempDir();
  const r = await startReceiver();
  let b = await startBridge({ DJANGO_WEBHOOK_URL: r.url, BRIDGE_DATA_DIR: dataDir });
  try {
    await connectedSandbox(b.app, 'held');
    const stopped = await json(b.app, 'POST', '/sessions/held/stop');
    assert.equal(stopped.status, 200);
    assert.equal(stopped.body.status, 'disconnected');
    assert.equal(stopped.body.reason, 'stopped');
    const refused = await json(b.app, 'POST', '/sessions/held/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'h1' });
    assert.equal(refused.status, 409);
    await b.close();
    b = await startBridge({ DJANGO_WEBHOOK_URL: r.url, BRIDGE_DATA_DIR: dataDir });
    assert.equal((await json(b.app, 'GET', '/sessions/held')).body.status, 'disconnected');
    const started = await json(b.app, 'POST', '/sessions/held/start');
    assert.equal(started.status, 200);
    await waitFor(async () => (await json(b.app, 'GET', '/sessions/held')).body.status === 'connected', { message: 'connected again' });
    const statuses = r.events((e) => e.session_id === 'held' && e.type === 'session.status').map((e) => e.data.status);
    assert.ok(!statuses.slice(2).includes('qr'), `no new QR after the first pairing: ${statuses}`);
    assert.equal((await json(b.app, 'POST', '/sessions/nope/stop')).status, 404);
  } finally {
    await b.close();
    await r.close();
  }
});
