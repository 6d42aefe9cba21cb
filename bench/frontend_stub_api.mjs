// A stub of the Blazz workspace host for the frontend benches: serves frontend/dist the way
// Django does (index.html at / and at SPA routes, assets under /static/), the REST endpoints of
// docs/api.md that the inbox uses, with generated data held in memory, and /ws/inbox/ with the
// frames of docs/api.md. No auth. Not a test double for correctness: the e2e tests use the real
// stack; this lets the benches measure the SPA alone, without the backend.
//
//   node bench/frontend_stub_api.mjs --chats 1000 --thread 10000 --port 8790   (manual use)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const FRONTEND = path.join(ROOT, 'frontend');
const DIST = path.join(FRONTEND, 'dist');
const require = createRequire(path.join(FRONTEND, 'package.json'));
const { WebSocketServer } = require('ws');

const MIME = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const WORDS = 'hello order status thanks please when price delivery invoice ship today tomorrow okay sure great address payment number size color available'.split(' ');

function sentence(i) {
  const n = 3 + (i % 12);
  const words = [];
  for (let k = 0; k < n; k += 1) words.push(WORDS[(i * 7 + k * 13) % WORDS.length]);
  if (i % 9 === 0) words.push('https://example.com/p/' + i);
  if (i % 17 === 0) return words.join(' ') + '\n' + words.slice(0, 4).join(' ');
  return words.join(' ');
}

/**
 * @param {{chats?: number, thread?: number, port?: number, ackDelays?: number[], chatPageSize?: number}} opts
 *   thread: messages in the first chat (contact id 1); the others get 3 each.
 */
export async function startStubServer({ chats = 50, thread = 40, port = 0, ackDelays = [30, 60, 90], chatPageSize = 50 } = {}) {
  const now = Date.now();
  const contacts = new Map();
  const threads = new Map();
  let nextMessageId = 1;
  let seq = 1;
  const sockets = new Set();

  function message(contactId, i, t, overrides = {}) {
    const out = i % 3 === 0;
    return {
      id: nextMessageId++, contact_id: contactId, direction: out ? 'out' : 'in', type: 'text', body: sentence(i), caption: '',
      media: null, location: null, contact_card: null, status: out ? 'read' : 'read', failure_reason: '',
      wa_message_id: `w${i}`, client_id: out ? `seed-${contactId}-${i}` : null, reply_to: null, reactions: [],
      edited: false, edits: [], revoked: false, revoked_at: null, sent_by: out ? { id: 1, name: 'Bench Agent' } : null,
      session_id: 'ws_bench.1', timestamp: new Date(t).toISOString(), created_at: new Date(t).toISOString(),
      ...overrides,
    };
  }

  for (let c = 1; c <= chats; c += 1) {
    const count = c === 1 ? thread : 3;
    const list = [];
    const lastT = now - c * 60000;
    for (let i = 0; i < count; i += 1) list.push(message(c, i, lastT - (count - i) * 45000));
    threads.set(c, list);
    const last = list[list.length - 1] || null;
    contacts.set(c, {
      id: c, wa_id: `62811${String(c).padStart(6, '0')}@c.us`, phone: `+62811${String(c).padStart(6, '0')}`,
      name: '', push_name: `Customer ${c}`, display_name: `Customer ${c}`, avatar_url: null, custom_fields: {}, tags: [],
      unread_count: c % 7 === 0 ? (c % 5) + 1 : 0, last_message_at: last ? last.timestamp : null, last_message: last,
      assignee: null, session_id: 'ws_bench.1', created_at: new Date(now - 86400000 * 30).toISOString(),
    });
  }

  function broadcast(frame) {
    const data = JSON.stringify({ ...frame, seq: ++seq });
    for (const ws of sockets) if (ws.readyState === 1) ws.send(data);
  }

  function json(res, status, body) {
    const data = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(data), 'Cache-Control': 'no-store' });
    res.end(data);
  }

  function readBody(req) {
    return new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString() || '{}'));
        } catch {
          resolve({});
        }
      });
    });
  }

  function page(list, url, size) {
    const offset = Number(url.searchParams.get('cursor') || 0);
    const results = list.slice(offset, offset + size);
    const nextOffset = offset + size;
    const next = nextOffset < list.length ? `${url.origin}${url.pathname}?cursor=${nextOffset}&page_size=${size}` : null;
    return { next, previous: null, results };
  }

  function chatRows() {
    return [...contacts.values()].filter((c) => c.last_message).sort((a, b) => Date.parse(b.last_message_at) - Date.parse(a.last_message_at));
  }

  function serveFile(res, file) {
    fs.readFile(file, (err, data) => {
      if (err) {
        res.writeHead(404);
        res.end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': MIME[path.extname(file)] || 'application/octet-stream', 'Cache-Control': 'no-store' });
      res.end(data);
    });
  }

  async function api(req, res, url) {
    const p = url.pathname.replace(/^\/api\/v1/, '');
    let m;
    if (p === '/me/') return json(res, 200, { workspace: { id: 1, slug: 'bench', name: 'Bench', host: url.host, url: url.origin }, user: { id: 1, email: 'bench@example.com', name: 'Bench Agent' }, role: 'owner' });
    if (p === '/chats/') {
      const q = (url.searchParams.get('q') || '').toLowerCase();
      const rows = q ? chatRows().filter((c) => c.display_name.toLowerCase().includes(q) || c.phone.includes(q)) : chatRows();
      return json(res, 200, page(rows, url, Number(url.searchParams.get('page_size') || chatPageSize)));
    }
    if (p === '/messages/search/') return json(res, 200, { next: null, previous: null, results: [] });
    if (p === '/sessions/') return json(res, 200, { next: null, previous: null, results: [{ id: 'ws_bench.1', name: 'Bench', engine: 'sandbox', status: 'connected', phone: '+620000', reason: '', qr: null, qr_svg: null, node: 'stub', created_at: new Date(now).toISOString(), updated_at: new Date(now).toISOString() }] });
    if ((m = p.match(/^\/contacts\/(\d+)\/$/))) {
      const c = contacts.get(Number(m[1]));
      return c ? json(res, 200, c) : json(res, 404, { error: { code: 'not_found', message: 'Not found.' } });
    }
    if ((m = p.match(/^\/contacts\/(\d+)\/read\/$/)) && req.method === 'POST') {
      const c = contacts.get(Number(m[1]));
      if (c) c.unread_count = 0;
      return json(res, 200, c);
    }
    if ((m = p.match(/^\/contacts\/(\d+)\/messages\/$/))) {
      const id = Number(m[1]);
      const list = threads.get(id) || [];
      if (req.method === 'GET') {
        const newestFirst = [...list].reverse();
        return json(res, 200, page(newestFirst, url, Math.min(100, Number(url.searchParams.get('page_size') || 50))));
      }
      const body = await readBody(req);
      const existing = list.find((x) => x.client_id === body.client_id);
      if (existing) return json(res, 200, existing);
      const t = Date.now();
      const msg = message(id, list.length, t, { direction: 'out', status: 'pending', body: body.body || '', client_id: body.client_id, type: body.type || 'text', sent_by: { id: 1, name: 'Bench Agent' } });
      list.push(msg);
      threads.set(id, list);
      const contact = contacts.get(id);
      Object.assign(contact, { last_message: msg, last_message_at: msg.timestamp });
      json(res, 201, msg);
      setTimeout(() => {
        broadcast({ type: 'message.new', message: msg });
        broadcast({ type: 'chat.updated', chat: contact });
      }, 5);
      ['sent', 'delivered', 'read'].forEach((status, i) => {
        setTimeout(() => {
          msg.status = status;
          broadcast({ type: 'message.status', message_id: msg.id, contact_id: id, client_id: msg.client_id, wa_message_id: `w-${msg.id}`, status, failure_reason: '', at: new Date().toISOString() });
        }, ackDelays[i] ?? 50 * (i + 1));
      });
      return undefined;
    }
    return json(res, 404, { error: { code: 'not_found', message: `stub has no ${req.method} ${p}` } });
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url, `http://${req.headers.host || 'localhost'}`);
    if (url.pathname.startsWith('/api/')) {
      api(req, res, url).catch((err) => json(res, 500, { error: { code: 'stub_error', message: String(err) } }));
      return;
    }
    if (url.pathname.startsWith('/static/')) {
      const file = path.join(DIST, path.normalize(url.pathname.slice('/static/'.length)).replace(/^(\.\.[/\\])+/, ''));
      serveFile(res, file);
      return;
    }
    serveFile(res, path.join(DIST, 'index.html'));
  });

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    if (!req.url.startsWith('/ws/inbox/')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('message', () => {});
      ws.send(JSON.stringify({ type: 'hello', seq, user: { id: 1, name: 'Bench Agent' } }));
    });
  });
  const pingTimer = setInterval(() => {
    for (const ws of sockets) if (ws.readyState === 1) ws.send(JSON.stringify({ type: 'ping', seq }));
  }, 20000);

  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  const actualPort = server.address().port;
  return {
    port: actualPort,
    url: `http://127.0.0.1:${actualPort}`,
    /** Push an inbound message into a chat, as a customer would. */
    inbound(contactId, body) {
      const list = threads.get(contactId);
      const msg = message(contactId, list.length + 1, Date.now(), { direction: 'in', status: 'delivered', body, client_id: null });
      list.push(msg);
      const contact = contacts.get(contactId);
      Object.assign(contact, { last_message: msg, last_message_at: msg.timestamp, unread_count: contact.unread_count + 1 });
      broadcast({ type: 'message.new', message: msg });
      broadcast({ type: 'chat.updated', chat: contact });
    },
    close() {
      clearInterval(pingTimer);
      for (const ws of sockets) ws.terminate();
      wss.close();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, def) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const stub = await startStubServer({ chats: arg('chats', 50), thread: arg('thread', 200), port: arg('port', 8790), chatPageSize: arg('page', 50) });
  console.log(`stub inbox on ${stub.url}/ (Ctrl-C stops it)`);
}
