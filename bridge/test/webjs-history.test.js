// webjs catch-up and history import (BRIDGE_HISTORY_SYNC), LID identities, and RemoteAuth over
// Django's auth store, against the fake whatsapp-web.js client.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import http from 'node:http';
import { createRequire } from 'node:module';
import { TOKEN, startBridge, startReceiver, json, waitFor, tempDir } from './helpers/index.js';
import { CUSTOMER, FakeClient, Message, fakeChat, rawMessage } from './helpers/fake-webjs.js';
import { WebjsEngine } from '../src/engines/webjs/engine.js';
import { SandboxEngine } from '../src/engines/sandbox/engine.js';

const require = createRequire(import.meta.url);
const OTHER = '6281277770000@c.us';
const now = () => Math.floor(Date.now() / 1000);
const msgIn = (remote, body, t) => new Message(null, rawMessage({ fromMe: false, body, remote, extra: { t } }));
const msgOut = (remote, body, t) => new Message(null, rawMessage({ fromMe: true, body, remote, extra: { t } }));

const clients = [];
const setups = []; // per client, in order: what its page knows (chats, LIDs)
class FakeWebjsEngine extends WebjsEngine {
  async createClient() {
    const client = new FakeClient();
    Object.assign(client, setups[clients.length] ?? {});
    clients.push(client);
    return client;
  }
}

let bridge;
let receiver;
before(async () => {
  receiver = await startReceiver();
  bridge = await startBridge(
    { DJANGO_WEBHOOK_URL: receiver.url, BRIDGE_WEBJS_RETRY_BASE_MS: '20', BRIDGE_WEBJS_RETRY_MAX_MS: '40', BRIDGE_OPTIONAL_EVENTS: 'all', BRIDGE_HISTORY_SYNC: 'true', BRIDGE_HISTORY_CHATS: '2', BRIDGE_HISTORY_MESSAGES: '3' },
    { engines: { sandbox: SandboxEngine, webjs: FakeWebjsEngine } },
  );
});
after(async () => {
  await bridge.close();
  await receiver.close();
});

const of = (session, type) => receiver.events((e) => e.session_id === session && (!type || e.type === type));
const status = async (id) => (await json(bridge.app, 'GET', `/sessions/${id}`)).body;

test('a new link imports the recent chats\' last messages as history; a reconnect catches up only what it missed', async () => {
  const t = now() - 3600;
  const a = [msgIn(CUSTOMER, 'a1', t), msgOut(CUSTOMER, 'a2', t + 1), msgIn(CUSTOMER, 'a3', t + 2), msgIn(CUSTOMER, 'a4', t + 3)];
  const b = [msgIn(OTHER, 'b1', t + 4)];
  const old = [msgIn('6281200000000@c.us', 'too old', t - 1000)];
  setups[0] = { chats: [fakeChat('6281200000000@c.us', old), fakeChat(CUSTOMER, a, { unreadCount: 2 }), fakeChat(OTHER, b, { unreadCount: 1 })] };
  await json(bridge.app, 'POST', '/sessions', { id: 'wh', engine: 'webjs', workspace: 'demo' });
  await waitFor(async () => (await status('wh')).status === 'qr');
  clients[0].ready();
  await waitFor(() => of('wh', 'chat.unread').length === 2, { message: 'history imported' });
  const history = of('wh').filter((e) => e.type === 'message.received' || e.type === 'message.created');
  assert.deepEqual(history.map((e) => [e.type, e.data.body, e.data.history]), [
    ['message.received', 'b1', true],
    ['message.created', 'a2', true], ['message.received', 'a3', true], ['message.received', 'a4', true],
  ]);
  assert.deepEqual(of('wh', 'chat.unread').map((e) => e.data), [{ chat_id: OTHER, unread_count: 1 }, { chat_id: CUSTOMER, unread_count: 2 }]);

  // A live message, then the link drops; meanwhile one more arrives. The reconnect catches up that one only.
  const live = msgIn(CUSTOMER, 'live', now());
  clients[0].emit('message', live);
  await waitFor(() => of('wh', 'message.received').some((e) => e.data.body === 'live'));
  const missed = msgIn(CUSTOMER, 'while away', now());
  setups[1] = { chats: [fakeChat(CUSTOMER, [...a, live, missed], { unreadCount: 4 }), fakeChat(OTHER, b)] };
  clients[0].emit('disconnected', 'NAVIGATION');
  await waitFor(() => clients.length === 2 && clients[1].initialized, { message: 'reconnecting' });
  await waitFor(async () => (await status('wh')).status === 'qr');
  clients[1].ready();
  await waitFor(() => of('wh', 'chat.unread').length === 3, { message: 'caught up' });
  const after = of('wh').filter((e) => (e.type === 'message.received' || e.type === 'message.created') && e.data.history);
  assert.deepEqual(after.slice(4).map((e) => e.data.body), ['while away']);
  assert.equal(of('wh', 'message.received').filter((e) => e.data.body === 'live').length, 1, 'the live message is not repeated');
  assert.deepEqual(of('wh', 'chat.unread').at(-1).data, { chat_id: CUSTOMER, unread_count: 4 });
  await json(bridge.app, 'DELETE', '/sessions/wh');
});

test('LID: a message from a LID chat carries chat_lid and chat_phone_id; the mapping is announced once', async () => {
  const lid = '201234567890123@lid';
  setups[clients.length] = { lids: new Map([[lid, { lid, pn: CUSTOMER }]]) };
  await json(bridge.app, 'POST', '/sessions', { id: 'wl', engine: 'webjs', workspace: 'demo' });
  await waitFor(async () => (await status('wl')).status === 'qr');
  const client = clients.at(-1);
  client.ready();
  await waitFor(async () => (await status('wl')).status === 'connected');
  client.emit('message', msgIn(lid, 'from a lid', now()));
  client.emit('message', msgIn(lid, 'again', now()));
  await waitFor(() => of('wl', 'message.received').length === 2, { message: 'both messages' });
  for (const e of of('wl', 'message.received')) {
    assert.deepEqual([e.data.chat_id, e.data.chat_lid, e.data.chat_phone_id], [lid, lid, CUSTOMER]);
  }
  assert.deepEqual(of('wl', 'contact.identity').map((e) => e.data), [{ lid, phone_id: CUSTOMER }]);
  assert.equal(client.calls.filter((c) => c[0] === 'getContactLidAndPhone').length, 1, 'looked up once');
  await json(bridge.app, 'DELETE', '/sessions/wl');
});

test('BRIDGE_AUTH_STORE=remote: webjs logs in with RemoteAuth, whose profile zip round-trips through Django\'s auth store', async () => {
  const blobs = new Map();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const id = decodeURIComponent(req.url.split('/').pop());
      if (req.headers.authorization !== `Bearer ${TOKEN}`) { res.writeHead(401); return res.end(); }
      if (req.method === 'PUT') blobs.set(id, Buffer.concat(chunks));
      if (req.method === 'DELETE') blobs.delete(id);
      if (req.method === 'GET' && !blobs.has(id)) { res.writeHead(404); return res.end(); }
      res.writeHead(200);
      res.end(req.method === 'GET' ? blobs.get(id) : undefined);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const remote = await startBridge({ BRIDGE_AUTH_STORE: 'remote', INTERNAL_BASE_URL: `http://127.0.0.1:${server.address().port}`, CHROMIUM_PATH: '/bin/false' });
  try {
    const lib = require('whatsapp-web.js');
    await json(remote.app, 'POST', '/sessions', { id: 'wra', engine: 'webjs', workspace: 'demo' });
    const engine = remote.sessions.get('wra');
    const strategy = engine.authStrategy(lib);
    assert.ok(strategy instanceof lib.RemoteAuth);
    assert.equal(engine.userDataDir, path.join(remote.config.dataDir, 'webjs', 'remote-auth', 'RemoteAuth-wra'));
    const { store } = strategy;
    assert.equal(await store.sessionExists({ session: 'RemoteAuth-wra' }), false);
    fs.mkdirSync(engine.authDataPath, { recursive: true });
    fs.writeFileSync(path.join(engine.authDataPath, 'RemoteAuth-wra.zip'), 'PK-zip-bytes');
    await store.save({ session: 'RemoteAuth-wra' });
    assert.equal(blobs.get('wra').toString(), 'PK-zip-bytes');
    assert.equal(await store.sessionExists({ session: 'RemoteAuth-wra' }), true);
    const target = path.join(tempDir(), 'restored.zip');
    await store.extract({ session: 'RemoteAuth-wra', path: target });
    assert.equal(fs.readFileSync(target, 'utf8'), 'PK-zip-bytes');
    await json(remote.app, 'DELETE', '/sessions/wra');
    assert.equal(blobs.has('wra'), false, 'logging out removes the shared login');
    // The default stays LocalAuth under the data dir.
    assert.ok(bridge.sessions.list().length >= 0);
    const local = new FakeWebjsEngine({ id: 'x', workspace: 'demo', options: {}, state: {}, ctx: { config: bridge.config, authStore: null, log: bridge.log } });
    assert.ok(local.authStrategy(lib) instanceof lib.LocalAuth);
  } finally {
    await remote.close();
    server.close();
  }
});
