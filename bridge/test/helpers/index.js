// Test helpers: a config with a temp data dir, a real webhook receiver, waitFor (never sleep-and-hope).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import net from 'node:net';
import crypto from 'node:crypto';
import pino from 'pino';
import { loadConfig } from '../../src/config.js';
import { createBridge } from '../../src/runtime.js';

export const TOKEN = 'test-token-0123456789';
export const AUTH = { authorization: `Bearer ${TOKEN}` };

export function tempDir(prefix = 'bridge-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const newSecret = () => `whsec_${crypto.randomBytes(24).toString('base64')}`;

/** Env for a bridge under test (no .env files are read by makeConfig). */
export function testEnv(overrides = {}) {
  return {
    BRIDGE_TOKEN: TOKEN,
    BRIDGE_WEBHOOK_SECRET: newSecret(),
    DJANGO_WEBHOOK_URL: 'http://127.0.0.1:1/hooks/bridge/',
    BRIDGE_DATA_DIR: tempDir(),
    BRIDGE_LOG_LEVEL: 'silent',
    BRIDGE_OUTBOX_MIN_BACKOFF_MS: '20',
    BRIDGE_OUTBOX_MAX_BACKOFF_MS: '200',
    BRIDGE_NODE_ID: 'test-node',
    CHROMIUM_PATH: '/bin/false',
    BRIDGE_WEBJS_RETRY_BASE_MS: '600000',
    ...overrides,
  };
}

export function makeConfig(overrides = {}) {
  return loadConfig({ env: testEnv(overrides), dotenvFiles: [] });
}

/** A bridge in-process (fastify inject and/or a real port). Call close() in after(). */
export async function startBridge(overrides = {}, { engines } = {}) {
  const config = makeConfig(overrides);
  const bridge = await createBridge(config, { logger: pino({ level: config.logLevel }), ...(engines ? { engines } : {}) });
  await bridge.start();
  return { ...bridge, config };
}

/** Poll `fn` until it returns a truthy value; throw after `timeout` ms with `message`. */
export async function waitFor(fn, { timeout = 10000, interval = 10, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${message}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/**
 * A real webhook receiver. `respond(event, attempt)` returns a status code (default 204) or
 * 'destroy' to cut the connection. Every POST (including failed ones) is in `attempts`;
 * 2xx-answered ones in `delivered`.
 */
export async function startReceiver({ port = 0, respond = () => 204 } = {}) {
  const receiver = { attempts: [], delivered: [], respond, server: null, port: null, url: null };
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      let json = null;
      try { json = JSON.parse(raw.toString('utf8')); } catch { /* keep null */ }
      const entry = { headers: req.headers, raw, json, at: Date.now() };
      receiver.attempts.push(entry);
      const answer = receiver.respond(entry, receiver.attempts.length);
      if (answer === 'destroy') return req.socket.destroy();
      if (answer >= 200 && answer < 300) receiver.delivered.push(entry);
      res.writeHead(answer, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  receiver.server = server;
  receiver.port = server.address().port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks/bridge/`;
  receiver.close = () => new Promise((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  receiver.events = (filter = () => true) => receiver.delivered.map((d) => d.json).filter(filter);
  // What Django applies: at-least-once delivery may repeat an event (same webhook-id) when a stop
  // cuts the POST after the receiver answered; Django dedups by webhook-id, and so does this.
  receiver.distinctEvents = (filter = () => true) => {
    const seen = new Set();
    return receiver.delivered.filter((d) => !seen.has(d.headers['webhook-id']) && seen.add(d.headers['webhook-id'])).map((d) => d.json).filter(filter);
  };
  return receiver;
}

export async function json(app, method, url, payload, headers = AUTH) {
  const res = await app.inject({ method, url, payload, headers });
  let body = null;
  try { body = res.json(); } catch { /* not json */ }
  return { status: res.statusCode, body, res };
}

/** Create a sandbox session that is connected at once, with fast acks. */
export async function connectedSandbox(app, id = 's1', options = {}) {
  const r = await json(app, 'POST', '/sessions', {
    id,
    engine: 'sandbox',
    workspace: 'demo',
    options: { qr_scan_delay_ms: 0, ack_delays_ms: { sent: 5, delivered: 10, read: 15, played: 20 }, seed: 42, ...options },
  });
  if (r.status !== 201 && r.status !== 200) throw new Error(`create failed: ${JSON.stringify(r.body)}`);
  return r.body;
}
