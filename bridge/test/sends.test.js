// POST /sessions/:id/messages: at most once per client_id, media by base64 or URL, media route.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { TOKEN, startBridge, startReceiver, json, connectedSandbox, waitFor } from './helpers/index.js';
import { loadSample } from '../src/engines/sandbox/samples.js';

let bridge;
let receiver;
before(async () => {
  receiver = await startReceiver();
  bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url });
  await connectedSandbox(bridge.app, 'send1');
});
after(async () => {
  await bridge.close();
  await receiver.close();
});

const customer = async (phone, session = 'send1') => (await json(bridge.app, 'GET', `/sandbox/sessions/${session}/customers/${phone}`)).body;

test('a repeated send with the same client_id answers the same and sends nothing again', async () => {
  const msg = { to: '6281100000001', type: 'text', body: 'Hello Ayu', client_id: 'cid-1' };
  const first = await json(bridge.app, 'POST', '/sessions/send1/messages', msg);
  assert.equal(first.status, 201);
  assert.match(first.body.wa_message_id, /^true_6281100000001@c\.us_3EB0[0-9A-F]{18}$/);
  assert.equal(first.body.client_id, 'cid-1');
  assert.equal(typeof first.body.timestamp, 'number');
  const again = await json(bridge.app, 'POST', '/sessions/send1/messages', msg);
  assert.equal(again.status, 200);
  assert.deepEqual(again.body, first.body);
  const seen = await customer('6281100000001');
  assert.equal(seen.received.filter((m) => m.client_id === 'cid-1').length, 1);
});

test('concurrent duplicates send once and all get the same answer', async () => {
  const msg = { to: '6281100000002', type: 'text', body: 'burst', client_id: 'cid-burst' };
  const answers = await Promise.all(Array.from({ length: 5 }, () => json(bridge.app, 'POST', '/sessions/send1/messages', msg)));
  assert.deepEqual(answers.map((a) => a.status).sort(), [200, 200, 200, 200, 201]);
  assert.equal(new Set(answers.map((a) => a.body.wa_message_id)).size, 1);
  assert.equal((await customer('6281100000002')).received.filter((m) => m.client_id === 'cid-burst').length, 1);
});

test('the same client_id with a different payload is 409 client_id_conflict', async () => {
  await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000003', type: 'text', body: 'one', client_id: 'cid-c' });
  const r = await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000003', type: 'text', body: 'two', client_id: 'cid-c' });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'client_id_conflict');
});

test('a send interrupted by a crash is never sent twice: 409 send_outcome_unknown', async () => {
  const msg = { to: '6281100000003', type: 'text', body: 'crash', client_id: 'cid-crash' };
  const { payloadHash } = await import('../src/sends.js');
  await bridge.store.sends.put(['send1', 'cid-crash'], { state: 'in_flight', hash: payloadHash(msg), boot: 'a-dead-process', at: Date.now() });
  const r = await json(bridge.app, 'POST', '/sessions/send1/messages', msg);
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'send_outcome_unknown');
});

test('message.created carries the client_id and is queued before the acks; acks go 1, 2, 3', async () => {
  const r = await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000004', type: 'text', body: 'order', client_id: 'cid-order' });
  const id = r.body.wa_message_id;
  const mine = () => receiver.events((e) => e.data.wa_message_id === id);
  await waitFor(() => mine().length === 4, { message: 'created + 3 acks' });
  const seq = mine();
  assert.equal(seq[0].type, 'message.created');
  assert.equal(seq[0].data.client_id, 'cid-order');
  assert.equal(seq[0].data.from_name, null);
  assert.equal(seq[0].data.chat_id, '6281100000004@c.us');
  assert.deepEqual(seq.slice(1).map((e) => [e.type, e.data.ack]), [['message.ack', 1], ['message.ack', 2], ['message.ack', 3]]);
});

test('media by base64 is stored, announced in message.created and served by the media route', async () => {
  const sample = loadSample('document');
  const r = await json(bridge.app, 'POST', '/sessions/send1/messages', {
    to: '6281100000005', type: 'document', caption: 'Your invoice', client_id: 'cid-doc',
    media: { data: sample.data.toString('base64'), mimetype: 'application/pdf', filename: 'invoice.pdf' },
  });
  assert.equal(r.status, 201);
  const created = await waitFor(() => receiver.events((e) => e.type === 'message.created' && e.data.client_id === 'cid-doc')[0]);
  assert.equal(created.data.type, 'document');
  assert.equal(created.data.caption, 'Your invoice');
  assert.deepEqual(Object.keys(created.data.media).sort(), ['filename', 'id', 'mimetype', 'size']);
  assert.equal(created.data.media.size, sample.data.length);
  const res = await bridge.app.inject({ method: 'GET', url: `/sessions/send1/media/${created.data.media.id}`, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.headers['content-type'], 'application/pdf');
  assert.match(res.headers['content-disposition'], /filename="invoice\.pdf"/);
  assert.deepEqual(res.rawPayload, sample.data);
  const missing = await json(bridge.app, 'GET', '/sessions/send1/media/med_01abcdefghjkmnpqrstvwxyz01');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.error.code, 'media_not_found');
});

test('media by URL is fetched with the bridge token; a failed fetch is 422 media_fetch_failed and may be retried', async () => {
  const image = loadSample('image');
  let fail = true;
  const seenAuth = [];
  const server = http.createServer((req, res) => {
    seenAuth.push(req.headers.authorization);
    if (fail) { res.writeHead(404); return res.end(); }
    res.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.data.length });
    res.end(image.data);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  try {
    const msg = {
      to: '6281100000001', type: 'image', body: 'a photo', client_id: 'cid-url',
      media: { url: `http://127.0.0.1:${server.address().port}/internal/media/1`, mimetype: 'image/jpeg', filename: 'photo.jpg' },
    };
    const bad = await json(bridge.app, 'POST', '/sessions/send1/messages', msg);
    assert.equal(bad.status, 422);
    assert.equal(bad.body.error.code, 'media_fetch_failed');
    fail = false;
    const good = await json(bridge.app, 'POST', '/sessions/send1/messages', msg);
    assert.equal(good.status, 201);
    assert.deepEqual(seenAuth, [`Bearer ${TOKEN}`, `Bearer ${TOKEN}`]);
    const got = (await customer('6281100000001')).received.find((m) => m.client_id === 'cid-url');
    assert.equal(got.caption, 'a photo');
    assert.equal(got.media.size, image.data.length);
  } finally {
    server.close();
  }
});

test('location, contact card, voice note and quoted reply', async () => {
  const loc = await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000002', type: 'location', location: { latitude: -6.2, longitude: 106.8, name: 'Office', address: 'Jl. Sudirman 1' }, client_id: 'cid-loc' });
  assert.equal(loc.status, 201);
  const card = await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000002', type: 'contact', contact: { name: 'Support', phone: '+62 811 0000 0009' }, client_id: 'cid-card', reply_to: loc.body.wa_message_id });
  assert.equal(card.status, 201);
  const voice = await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000002', type: 'voice', media: { data: loadSample('voice').data.toString('base64'), mimetype: 'audio/ogg; codecs=opus' }, client_id: 'cid-voice' });
  const received = (await customer('6281100000002')).received;
  const byId = (c) => received.find((m) => m.client_id === c);
  assert.deepEqual(byId('cid-loc').location, { latitude: -6.2, longitude: 106.8, name: 'Office', address: 'Jl. Sudirman 1' });
  assert.equal(byId('cid-card').contact.phone, '6281100000009');
  assert.match(byId('cid-card').contact.vcard, /^BEGIN:VCARD[\s\S]*waid=6281100000009[\s\S]*END:VCARD$/);
  assert.equal(byId('cid-card').reply_to, loc.body.wa_message_id);
  // A voice note is played too: ack 4 after 3.
  await waitFor(() => receiver.events((e) => e.type === 'message.ack' && e.data.wa_message_id === voice.body.wa_message_id).length === 4, { message: 'voice acks' });
  assert.deepEqual(receiver.events((e) => e.type === 'message.ack' && e.data.wa_message_id === voice.body.wa_message_id).map((e) => e.data.ack), [1, 2, 3, 4]);
});

test('sending through a session that is not connected is 409 session_not_connected', async () => {
  await json(bridge.app, 'POST', '/sessions', { id: 'waiting', engine: 'sandbox', workspace: 'demo', options: { qr_scan_delay_ms: 600000 } });
  const r = await json(bridge.app, 'POST', '/sessions/waiting/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'cid-w' });
  assert.equal(r.status, 409);
  assert.equal(r.body.error.code, 'session_not_connected');
  assert.equal(bridge.store.sends.get(['waiting', 'cid-w']), undefined, 'nothing recorded: a retry may send');
});

test('the send record is "sent" in the transaction that queues message.created: no gap for a kill -9', async () => {
  const { SandboxEngine } = await import('../src/engines/sandbox/engine.js');
  const { WebjsEngine } = await import('../src/engines/webjs/engine.js');
  let probe;
  const seenAtReturn = [];
  // The engine's send has returned (message.created is on disk) and sends.js has not written
  // anything yet: a process killed here must find the record sent, not in_flight.
  class ProbeSandbox extends SandboxEngine {
    async sendMessage(req) {
      const result = await super.sendMessage(req);
      seenAtReturn.push(probe.store.sends.get([this.id, req.client_id]));
      return result;
    }
  }
  probe = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url }, { engines: { sandbox: ProbeSandbox, webjs: WebjsEngine } });
  try {
    await connectedSandbox(probe.app, 'probe1');
    const r = await json(probe.app, 'POST', '/sessions/probe1/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'cid-probe' });
    assert.equal(r.status, 201);
    assert.equal(seenAtReturn[0].state, 'sent');
    assert.deepEqual(seenAtReturn[0].answer, r.body);
    assert.equal(probe.store.waIndex.get(['probe1', r.body.wa_message_id]).client_id, 'cid-probe');
  } finally {
    await probe.close();
  }
});

test('media: DELETE once Django has it (idempotent); prune removes media past its age; the wa index keeps the newest entries', async () => {
  const sample = loadSample('document');
  await json(bridge.app, 'POST', '/sessions/send1/messages', { to: '6281100000005', type: 'document', client_id: 'cid-del', media: { data: sample.data.toString('base64'), mimetype: 'application/pdf', filename: 'a.pdf' } });
  const created = await waitFor(() => receiver.events((e) => e.type === 'message.created' && e.data.client_id === 'cid-del')[0]);
  const url = `/sessions/send1/media/${created.data.media.id}`;
  assert.deepEqual((await json(bridge.app, 'DELETE', url)).body, { media_id: created.data.media.id, deleted: true });
  assert.deepEqual((await json(bridge.app, 'DELETE', url)).body, { media_id: created.data.media.id, deleted: false });
  assert.equal((await json(bridge.app, 'GET', url)).body.error.code, 'media_not_found');

  const kept = await bridge.media.save('send1', { data: Buffer.from('new'), mimetype: 'text/plain' });
  const old = await bridge.media.save('send1', { data: Buffer.from('old'), mimetype: 'text/plain' });
  await bridge.store.media.put(['send1', old.id], { ...bridge.store.media.get(['send1', old.id]), saved_at: Date.now() - 2 * 3600_000 });
  assert.equal(await bridge.media.prune(3600_000), 1);
  assert.equal((await json(bridge.app, 'GET', `/sessions/send1/media/${old.id}`)).status, 404);
  assert.equal((await json(bridge.app, 'GET', `/sessions/send1/media/${kept.id}`)).status, 200);

  for (let i = 0; i < 5; i++) await bridge.store.waIndex.put(['prune1', `w${i}`], { client_id: null, at: 1000 + i });
  assert.ok(await bridge.sessions.pruneWaIndex(2) >= 3);
  assert.deepEqual([...bridge.store.waIndex.getKeys({ start: ['prune1'], end: ['prune1\u0000'] })].map((k) => k[1]), ['w3', 'w4']);
});
