// A contract stub of the Blazz stack for checking the e2e suite without the backend (see README).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';

const DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist');
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const SAMPLES = {
  image: { data: PNG, mimetype: 'image/png', filename: 'sample.png' },
  png: { data: PNG, mimetype: 'image/png', filename: 'sample.png' },
  document: { data: Buffer.from('%PDF-1.4\n% stub\n'), mimetype: 'application/pdf', filename: 'sample.pdf' },
  audio: { data: Buffer.alloc(64), mimetype: 'audio/ogg', filename: 'sample.ogg' },
  voice: { data: Buffer.alloc(64), mimetype: 'audio/ogg', filename: 'voice.ogg' },
  video: { data: Buffer.alloc(64), mimetype: 'video/mp4', filename: 'sample.mp4' },
};
const now = () => new Date().toISOString();

export async function startContractStub({ webPort = 8765, bridgePort = 3765 } = {}) {
  const users = new Map(); // email -> {id, email, password, name}
  const workspaces = new Map(); // slug -> workspace
  const cookies = new Map(); // session token -> email
  const media = new Map(); // id -> {bytes, meta}
  let ids = 1;

  function addUser(email, password) {
    const user = { id: ids++, email, password, name: email };
    users.set(email, user);
    return user;
  }

  function addWorkspace(slug, name, owner) {
    const ws = {
      id: ids++, slug, name, members: new Map([[owner.email, { id: ids++, role: 'owner', created_at: now() }]]),
      contacts: new Map(), messages: new Map(), sessions: new Map(), seq: 0, sockets: new Set(), customers: new Map(),
    };
    workspaces.set(slug, ws);
    return ws;
  }

  const demo = addWorkspace('demo', 'Demo', addUser('demo@example.com', 'demo'));
  demo.sessions.set('ws_demo.sandbox1', { id: 'ws_demo.sandbox1', name: 'Demo', engine: 'sandbox', status: 'connected', phone: '+6281000000', reason: '', qr: null, qr_svg: null, node: 'stub', created_at: now(), updated_at: now() });

  // ---------- helpers ----------
  function hostOf(req) {
    return String(req.headers.host || '').split(':')[0];
  }
  function workspaceOf(req) {
    const host = hostOf(req);
    const m = host.match(/^([a-z0-9-]+)\.localhost$/);
    return m ? workspaces.get(m[1]) || null : null;
  }
  function cookieMap(req) {
    const out = {};
    for (const part of String(req.headers.cookie || '').split(';')) {
      const [k, ...v] = part.trim().split('=');
      if (k) out[k] = decodeURIComponent(v.join('='));
    }
    return out;
  }
  function userOf(req) {
    const email = cookies.get(cookieMap(req).blazz_session);
    return email ? users.get(email) : null;
  }
  function json(res, status, body) {
    const data = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
    res.end(data);
  }
  const error = (res, status, code, message, fields = {}) => json(res, status, { error: { code, message, fields } });
  function readBody(req) {
    return new Promise((resolve) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });
  }
  async function readJson(req) {
    const raw = (await readBody(req)).toString();
    if (!raw) return {};
    if ((req.headers['content-type'] || '').includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
    try {
      return JSON.parse(raw);
    } catch {
      return {};
    }
  }
  function page(res, status, title, body) {
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><title>${title}</title></head><body>${body}</body></html>`);
  }
  function broadcast(ws, frame, filter = () => true) {
    ws.seq += 1;
    const data = JSON.stringify({ ...frame, seq: ws.seq });
    for (const s of ws.sockets) if (s.readyState === 1 && filter(s)) s.send(data);
  }
  function displayName(c) {
    return c.name || c.push_name || c.phone;
  }
  function chatRow(ws, c) {
    const list = [...ws.messages.values()].filter((m) => m.contact_id === c.id).sort((a, b) => a.id - b.id);
    const last = list.at(-1) || null;
    return { ...c, display_name: displayName(c), last_message: last, last_message_at: last ? last.timestamp : null };
  }
  function contactFor(ws, phone, pushName = '') {
    const digits = String(phone).replace(/\D/g, '');
    for (const c of ws.contacts.values()) if (c.phone === `+${digits}`) {
      if (pushName && !c.push_name) c.push_name = pushName;
      return c;
    }
    const c = { id: ids++, wa_id: `${digits}@c.us`, phone: `+${digits}`, name: '', push_name: pushName, avatar_url: null, custom_fields: {}, tags: [], unread_count: 0, assignee: null, session_id: [...ws.sessions.keys()][0] || null, created_at: now() };
    ws.contacts.set(c.id, c);
    return c;
  }
  function customerOf(ws, phone) {
    const digits = String(phone).replace(/\D/g, '');
    if (!ws.customers.has(digits)) ws.customers.set(digits, { phone: digits, name: '', online: false, last_seen: null, received: [], reactions: [], agent_typing: [] });
    return ws.customers.get(digits);
  }
  function newMessage(ws, fields) {
    const t = now();
    const m = {
      id: ids++, contact_id: null, direction: 'in', type: 'text', body: '', caption: '', media: null, location: null, contact_card: null,
      status: 'delivered', failure_reason: '', wa_message_id: `stub_${crypto.randomUUID()}`, client_id: null, reply_to: null, reactions: [],
      edited: false, edits: [], revoked: false, revoked_at: null, sent_by: null, session_id: 'ws_demo.sandbox1', timestamp: t, created_at: t,
      sent_at: null, delivered_at: null, read_at: null, played_at: null, failed_at: null, ...fields,
    };
    ws.messages.set(m.id, m);
    return m;
  }
  function quote(ws, id) {
    const q = id != null ? ws.messages.get(Number(id)) : null;
    return q ? { id: q.id, type: q.type, body: q.body || q.caption, direction: q.direction } : null;
  }
  function storeMedia(bytes, meta, ready = true) {
    const id = crypto.randomUUID();
    const m = { id, url: `/api/v1/media/${id}/`, mimetype: meta.mimetype, filename: meta.filename, size: bytes.length, ready };
    media.set(id, { bytes, meta: m });
    return m;
  }
  function pageOf(list, url, size = 50) {
    const offset = Number(url.searchParams.get('cursor') || 0);
    const n = Math.min(100, Number(url.searchParams.get('page_size') || size));
    const results = list.slice(offset, offset + n);
    const next = offset + n < list.length ? `http://${url.host}${url.pathname}?cursor=${offset + n}&page_size=${n}` : null;
    return { next, previous: null, results };
  }
  function inbound(ws, { from, name, type = 'text', body = '', caption = '', media: mediaSpec, reply_to: replyTo }) {
    const contact = contactFor(ws, from, name || '');
    const customer = customerOf(ws, from);
    if (name) customer.name = name;
    let mediaObj = null;
    if (type !== 'text') {
      const sample = SAMPLES[String(mediaSpec || `sample:${type}`).replace('sample:', '')] || SAMPLES.image;
      mediaObj = storeMedia(sample.data, sample, false);
    }
    const m = newMessage(ws, { contact_id: contact.id, type, body, caption, media: mediaObj, reply_to: replyTo ? quote(ws, replyTo) : null });
    contact.unread_count += 1;
    broadcast(ws, { type: 'message.new', message: m });
    broadcast(ws, { type: 'chat.updated', chat: chatRow(ws, contact) });
    if (mediaObj) {
      setTimeout(() => {
        m.media = { ...m.media, ready: true };
        media.get(mediaObj.id).meta.ready = true;
        broadcast(ws, { type: 'message.updated', message: m });
      }, 400);
    }
    return m;
  }
  function ack(ws, m, status, delay) {
    setTimeout(() => {
      const order = ['pending', 'sent', 'delivered', 'read', 'played'];
      if (order.indexOf(status) <= order.indexOf(m.status) || m.status === 'failed') return;
      m.status = status;
      m[`${status}_at`] = now();
      const rec = [...ws.customers.values()].flatMap((c) => c.received).find((r) => r.client_id === m.client_id);
      if (rec) rec.ack = order.indexOf(status);
      broadcast(ws, { type: 'message.status', message_id: m.id, contact_id: m.contact_id, client_id: m.client_id, wa_message_id: m.wa_message_id, status, failure_reason: '', at: now() });
      broadcast(ws, { type: 'chat.updated', chat: chatRow(ws, ws.contacts.get(m.contact_id)) });
    }, delay);
  }
  function markRead(ws, contactId) {
    const c = ws.contacts.get(Number(contactId));
    if (!c) return null;
    if (c.unread_count) {
      c.unread_count = 0;
      broadcast(ws, { type: 'chat.updated', chat: chatRow(ws, c) });
    }
    return chatRow(ws, c);
  }
  function parseMultipart(req, raw) {
    const boundary = (req.headers['content-type'] || '').match(/boundary=(.+)$/)?.[1];
    if (!boundary) return null;
    const text = raw.toString('latin1');
    for (const part of text.split(`--${boundary}`)) {
      const headerEnd = part.indexOf('\r\n\r\n');
      if (headerEnd < 0) continue;
      const headers = part.slice(0, headerEnd);
      if (!/name="file"/.test(headers)) continue;
      const filename = headers.match(/filename="([^"]*)"/)?.[1] || 'file';
      const mimetype = headers.match(/Content-Type:\s*([^\r\n]+)/i)?.[1] || 'application/octet-stream';
      const body = part.slice(headerEnd + 4, part.length - 2);
      return { bytes: Buffer.from(body, 'latin1'), filename, mimetype };
    }
    return null;
  }

  // ---------- REST ----------
  async function api(req, res, url, ws, user) {
    const p = url.pathname.replace(/^\/api\/v1/, '');
    const method = req.method;
    if (!user) return error(res, 403, 'unauthorized', 'Authentication credentials were not provided.');
    if (!ws.members.has(user.email)) return error(res, 403, 'forbidden', 'You are not a member of this workspace.');
    if (method !== 'GET' && req.headers['x-csrftoken'] !== cookieMap(req).blazz_csrftoken) return error(res, 403, 'forbidden', 'CSRF Failed');
    let m;
    if (p === '/me/') return json(res, 200, { workspace: { id: ws.id, slug: ws.slug, name: ws.name, host: hostOf(req), url: `http://${req.headers.host}` }, user: { id: user.id, email: user.email, name: user.name }, role: ws.members.get(user.email).role });
    if (p === '/chats/') {
      const q = (url.searchParams.get('q') || '').toLowerCase();
      let rows = [...ws.contacts.values()].map((c) => chatRow(ws, c)).filter((r) => r.last_message);
      if (q) rows = rows.filter((r) => displayName(r).toLowerCase().includes(q) || r.phone.includes(q) || [...ws.messages.values()].some((x) => x.contact_id === r.id && (x.body || '').toLowerCase().includes(q)));
      rows.sort((a, b) => b.last_message.id - a.last_message.id);
      return json(res, 200, pageOf(rows, url));
    }
    if (p === '/messages/search/') {
      const q = (url.searchParams.get('q') || '').toLowerCase();
      const hits = [...ws.messages.values()].filter((x) => q && (x.body || x.caption || '').toLowerCase().includes(q)).reverse()
        .map((x) => ({ ...x, contact: { id: x.contact_id, display_name: displayName(ws.contacts.get(x.contact_id)), phone: ws.contacts.get(x.contact_id).phone } }));
      return json(res, 200, pageOf(hits, url));
    }
    if (p === '/contacts/' && method === 'POST') {
      const body = await readJson(req);
      // The real server parses local forms against the workspace's country; the stub takes
      // international digits only, and refuses what has too few.
      if (String(body.phone || '').replace(/\D/g, '').length < 7) return error(res, 400, 'phone_invalid', 'Not a phone number: give it with its country code, e.g. +62 812 3456 7890.', { phone: ['invalid'] });
      const existing = [...ws.contacts.values()].find((c) => c.phone === `+${String(body.phone).replace(/\D/g, '')}`);
      const c = existing || contactFor(ws, body.phone);
      if (body.name) c.name = body.name;
      return json(res, existing ? 200 : 201, chatRow(ws, c));
    }
    if ((m = p.match(/^\/contacts\/(\d+)\/$/))) {
      const c = ws.contacts.get(Number(m[1]));
      return c ? json(res, 200, chatRow(ws, c)) : error(res, 404, 'not_found', 'Not found.');
    }
    if ((m = p.match(/^\/contacts\/(\d+)\/read\/$/)) && method === 'POST') {
      const row = markRead(ws, m[1]);
      return row ? json(res, 200, row) : error(res, 404, 'not_found', 'Not found.');
    }
    if ((m = p.match(/^\/contacts\/(\d+)\/messages\/$/))) {
      const contact = ws.contacts.get(Number(m[1]));
      if (!contact) return error(res, 404, 'not_found', 'Not found.');
      if (method === 'GET') {
        const list = [...ws.messages.values()].filter((x) => x.contact_id === contact.id).sort((a, b) => b.id - a.id);
        return json(res, 200, pageOf(list, url));
      }
      const body = await readJson(req);
      const existing = [...ws.messages.values()].find((x) => x.client_id && x.client_id === body.client_id);
      if (existing) return json(res, 200, existing);
      const mediaObj = body.media_id ? media.get(body.media_id)?.meta : null;
      const msg = newMessage(ws, {
        contact_id: contact.id, direction: 'out', type: body.type || 'text', body: body.body || '', caption: body.caption || '', media: mediaObj,
        status: 'pending', client_id: body.client_id, reply_to: quote(ws, body.reply_to), sent_by: { id: user.id, name: user.name },
        wa_message_id: null,
      });
      json(res, 201, msg);
      broadcast(ws, { type: 'message.new', message: msg });
      broadcast(ws, { type: 'chat.updated', chat: chatRow(ws, contact) });
      setTimeout(() => {
        msg.wa_message_id = `true_${contact.wa_id}_${crypto.randomUUID()}`;
        customerOf(ws, contact.phone).received.push({ wa_message_id: msg.wa_message_id, client_id: msg.client_id, type: msg.type, body: msg.body, caption: msg.caption, media: mediaObj, reply_to: msg.reply_to ? { wa_message_id: ws.messages.get(msg.reply_to.id)?.wa_message_id } : null, timestamp: Date.now() / 1000, ack: 0 });
        ack(ws, msg, 'sent', 0);
      }, 120);
      ack(ws, msg, 'delivered', 450);
      ack(ws, msg, 'read', 1250);
      return undefined;
    }
    if ((m = p.match(/^\/messages\/(\d+)\/reactions\/$/)) && method === 'POST') {
      const msg = ws.messages.get(Number(m[1]));
      if (!msg) return error(res, 404, 'not_found', 'Not found.');
      const { emoji } = await readJson(req);
      msg.reactions = msg.reactions.filter((r) => !(r.from === 'agent' && r.user_id === user.id));
      if (emoji) msg.reactions.push({ emoji, from: 'agent', user_id: user.id });
      const contact = ws.contacts.get(msg.contact_id);
      customerOf(ws, contact.phone).reactions.push({ wa_message_id: msg.wa_message_id, from: 'agent', emoji, at: Date.now() / 1000 });
      broadcast(ws, { type: 'message.reaction', message_id: msg.id, contact_id: msg.contact_id, reactions: msg.reactions });
      return json(res, 200, msg);
    }
    if ((m = p.match(/^\/messages\/(\d+)\/retry\/$/)) && method === 'POST') {
      const msg = ws.messages.get(Number(m[1]));
      if (!msg) return error(res, 404, 'not_found', 'Not found.');
      if (msg.status !== 'failed') return error(res, 409, 'not_failed', 'Not failed.');
      msg.status = 'pending';
      return json(res, 200, msg);
    }
    if (p === '/media/' && method === 'POST') {
      const file = parseMultipart(req, await readBody(req));
      if (!file) return error(res, 400, 'invalid_request', 'No file.');
      if (/x-msdownload|x-executable/.test(file.mimetype || '')) return error(res, 415, 'unsupported_media_type', `Files of type ${file.mimetype} cannot be sent.`);
      return json(res, 201, storeMedia(file.bytes, file));
    }
    if ((m = p.match(/^\/media\/([0-9a-f-]+)\/$/))) {
      const item = media.get(m[1]);
      if (!item) return error(res, 404, 'not_found', 'Not found.');
      res.writeHead(200, { 'Content-Type': item.meta.mimetype });
      return res.end(item.bytes);
    }
    if (p === '/sessions/') {
      if (method === 'GET') return json(res, 200, { next: null, previous: null, results: [...ws.sessions.values()] });
      const body = await readJson(req);
      const s = { id: `ws_${ws.slug}.${crypto.randomBytes(4).toString('hex')}`, name: body.name || '', engine: body.engine || 'sandbox', status: 'qr', phone: '', reason: '', qr: `data:image/png;base64,${PNG.toString('base64')}`, qr_svg: null, node: 'stub', created_at: now(), updated_at: now() };
      ws.sessions.set(s.id, s);
      setTimeout(() => broadcast(ws, { type: 'session.status', session: s }), 10);
      setTimeout(() => {
        Object.assign(s, { status: 'connected', qr: null, phone: '+6281999000', updated_at: now() });
        broadcast(ws, { type: 'session.status', session: s });
      }, 3000);
      return json(res, 201, s);
    }
    if ((m = p.match(/^\/sessions\/([^/]+)\/$/))) {
      const s = ws.sessions.get(decodeURIComponent(m[1]));
      if (!s) return error(res, 404, 'not_found', 'Not found.');
      if (method === 'DELETE') {
        Object.assign(s, { status: 'logged_out', qr: null, updated_at: now() });
        broadcast(ws, { type: 'session.status', session: s });
      }
      return json(res, 200, s);
    }
    if (p === '/members/') {
      if (method === 'GET') return json(res, 200, [...ws.members.entries()].map(([email, mm]) => ({ id: mm.id, email, name: email, role: mm.role, created_at: mm.created_at })));
      const body = await readJson(req);
      const u = users.get(body.email) || addUser(body.email, body.password);
      const mm = { id: ids++, role: body.role || 'agent', created_at: now() };
      ws.members.set(u.email, mm);
      return json(res, 201, { id: mm.id, email: u.email, name: u.email, role: mm.role, created_at: mm.created_at, invite_url: null });
    }
    if (p === '/api-keys/') return json(res, 200, []);
    return error(res, 404, 'not_found', `stub: no ${method} ${p}`);
  }

  // ---------- web ----------
  const loginForm = (ws, next, err = '') => `<h1>Log in to ${ws.name}</h1>${err ? `<p>${err}</p>` : ''}<form method="post"><input name="email"><input name="password" type="password"><input type="hidden" name="next" value="${next}"><button type="submit">Log in</button></form>`;

  const web = http.createServer(async (req, res) => {
    const url = new URL(req.url, `http://${req.headers.host || 'localhost'}`);
    const ws = workspaceOf(req);
    try {
      if (url.pathname === '/api/health/') return json(res, 200, { ok: true });
      if (url.pathname === '/api/v1/signup/' && req.method === 'POST') {
        const body = await readJson(req);
        if (workspaces.has(body.slug)) return error(res, 409, 'slug_taken', 'Taken.');
        const w = addWorkspace(body.slug, body.name, addUser(body.email, body.password));
        return json(res, 201, { id: w.id, slug: w.slug, name: w.name, host: `${w.slug}.localhost`, url: `http://${w.slug}.localhost:${webPort}` });
      }
      if (!ws) return page(res, 404, 'Blazz', '<h1>Blazz</h1>');
      const user = userOf(req);
      if (url.pathname === '/login/') {
        const next = url.searchParams.get('next') || '/';
        if (req.method === 'POST') {
          const body = await readJson(req);
          const u = users.get(body.email);
          if (!u || u.password !== body.password) return page(res, 401, 'Log in', loginForm(ws, next, 'Wrong email or password.'));
          if (!ws.members.has(u.email)) return page(res, 403, 'Refused', `<h1>403</h1><p>${u.email} is not a member of ${ws.name}.</p>`);
          const token = crypto.randomUUID();
          cookies.set(token, u.email);
          res.writeHead(302, { Location: body.next || '/', 'Set-Cookie': `blazz_session=${token}; Path=/; HttpOnly; SameSite=Lax` });
          return res.end();
        }
        return page(res, 200, 'Log in', loginForm(ws, next));
      }
      if (url.pathname === '/logout/') {
        res.writeHead(302, { Location: '/login/', 'Set-Cookie': 'blazz_session=; Path=/; Max-Age=0' });
        return res.end();
      }
      if (url.pathname.startsWith('/api/')) return await api(req, res, url, ws, user);
      if (url.pathname.startsWith('/static/')) {
        const file = path.join(DIST, path.normalize(url.pathname.slice(8)).replace(/^(\.\.[/\\])+/, ''));
        if (!fs.existsSync(file)) return page(res, 404, 'nf', 'not found');
        res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : 'application/octet-stream' });
        return res.end(fs.readFileSync(file));
      }
      if (!user) {
        res.writeHead(302, { Location: `/login/?next=${encodeURIComponent(url.pathname + url.search)}` });
        return res.end();
      }
      if (!ws.members.has(user.email)) return page(res, 403, 'Refused', `<p>You are not a member of ${ws.name}.</p>`);
      const csrf = cookieMap(req).blazz_csrftoken || crypto.randomBytes(16).toString('hex');
      res.writeHead(200, { 'Content-Type': 'text/html', 'Set-Cookie': `blazz_csrftoken=${csrf}; Path=/; SameSite=Lax`, 'Cache-Control': 'no-store' });
      return res.end(fs.readFileSync(path.join(DIST, 'index.html')));
    } catch (err) {
      return error(res, 500, 'stub_error', String(err && err.stack));
    }
  });

  const wss = new WebSocketServer({ noServer: true });
  web.on('upgrade', (req, socket, head) => {
    const ws = workspaceOf(req);
    const user = userOf(req);
    wss.handleUpgrade(req, socket, head, (s) => {
      if (!ws) return s.close(4404, 'unknown host');
      if (!user) return s.close(4401, 'not logged in');
      if (!ws.members.has(user.email)) return s.close(4403, 'not a member');
      s.subscribed = new Set();
      ws.sockets.add(s);
      s.on('close', () => ws.sockets.delete(s));
      s.on('message', (data) => {
        let f;
        try {
          f = JSON.parse(data);
        } catch {
          return;
        }
        if (f.type === 'subscribe') s.subscribed.add(f.contact_id);
        else if (f.type === 'unsubscribe') s.subscribed.delete(f.contact_id);
        else if (f.type === 'read') markRead(ws, f.contact_id);
        else if (f.type === 'typing') {
          const c = ws.contacts.get(f.contact_id);
          if (c) customerOf(ws, c.phone).agent_typing.push({ state: f.state, at: Date.now() / 1000 });
          broadcast(ws, { type: 'typing', contact_id: f.contact_id, from: 'agent', user: { id: user.id, name: user.name }, state: f.state, expires_in: 6 }, (o) => o !== s && o.subscribed.has(f.contact_id));
        }
      });
      s.send(JSON.stringify({ type: 'hello', seq: ws.seq, user: { id: user.id, name: user.name } }));
    });
  });
  const pinger = setInterval(() => {
    for (const ws of workspaces.values()) for (const s of ws.sockets) if (s.readyState === 1) s.send(JSON.stringify({ type: 'ping', seq: ws.seq }));
  }, 20000);

  // ---------- bridge sandbox control ----------
  const bridge = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    const m = url.pathname.match(/^\/sandbox\/sessions\/([^/]+)\/(.+)$/);
    const ws = demo;
    if (!m) return error(res, 404, 'not_found', 'no route');
    const route = m[2];
    const body = req.method === 'POST' ? await readJson(req) : {};
    const contactOfPhone = (phone) => contactFor(ws, phone);
    const byWa = (waId) => [...ws.messages.values()].find((x) => x.wa_message_id === waId);
    if (route === 'inbound') return json(res, 200, { wa_message_id: inbound(ws, body).wa_message_id });
    if (route === 'typing') {
      const c = contactOfPhone(body.from);
      broadcast(ws, { type: 'typing', contact_id: c.id, from: 'contact', user: null, state: body.state, expires_in: 5 }, (s) => s.subscribed.has(c.id));
      return json(res, 200, { ok: true });
    }
    if (route === 'presence') {
      const c = contactOfPhone(body.from);
      broadcast(ws, { type: 'presence', contact_id: c.id, online: Boolean(body.online), last_seen: body.online ? null : now() }, (s) => s.subscribed.has(c.id));
      return json(res, 200, { ok: true });
    }
    if (route === 'reactions') {
      const msg = byWa(body.wa_message_id);
      if (!msg) return error(res, 404, 'message_not_found', 'unknown');
      msg.reactions = msg.reactions.filter((r) => r.from !== 'customer');
      if (body.emoji) msg.reactions.push({ emoji: body.emoji, from: 'customer', user_id: null });
      broadcast(ws, { type: 'message.reaction', message_id: msg.id, contact_id: msg.contact_id, reactions: msg.reactions });
      return json(res, 200, { ok: true });
    }
    if (route === 'edit') {
      const msg = byWa(body.wa_message_id);
      if (!msg) return error(res, 404, 'message_not_found', 'unknown');
      msg.edits = [...msg.edits, { body: msg.body, edited_at: now() }];
      Object.assign(msg, { body: body.body, edited: true });
      broadcast(ws, { type: 'message.updated', message: msg });
      return json(res, 200, { ok: true });
    }
    if (route === 'revoke') {
      const msg = byWa(body.wa_message_id);
      if (!msg) return error(res, 404, 'message_not_found', 'unknown');
      Object.assign(msg, { revoked: true, revoked_at: now() });
      broadcast(ws, { type: 'message.revoked', message_id: msg.id, contact_id: msg.contact_id, revoked_at: msg.revoked_at });
      return json(res, 200, { ok: true });
    }
    const cm = route.match(/^customers\/(.+)$/);
    if (cm) return json(res, 200, customerOf(ws, decodeURIComponent(cm[1])));
    return error(res, 404, 'not_found', 'no route');
  });

  await new Promise((r) => web.listen(webPort, '127.0.0.1', r));
  await new Promise((r) => bridge.listen(bridgePort, '127.0.0.1', r));
  return {
    close: async () => {
      clearInterval(pinger);
      for (const w of workspaces.values()) for (const s of w.sockets) s.terminate();
      await new Promise((r) => web.close(r));
      await new Promise((r) => bridge.close(r));
    },
  };
}
