// Where the test stack runs and how to talk to it from Node. Chromium resolves *.localhost to
// loopback; Node does not, so Node-side calls go to 127.0.0.1 with a Host header.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FRONTEND_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(FRONTEND_DIR, '..');
export const RESULTS_DIR = path.join(FRONTEND_DIR, 'test-results');
export const SCREENSHOTS_DIR = path.join(RESULTS_DIR, 'screenshots');
export const DEMO_STATE = path.join(RESULTS_DIR, 'e2e-state', 'demo.json');
export const WORLD_FILE = path.join(RESULTS_DIR, 'e2e-state', 'world.json');

const webPort = Number(process.env.E2E_PORT || 8765);
const bridgePort = Number(process.env.E2E_BRIDGE_PORT || 3765);

export const STACK = {
  webPort,
  bridgePort,
  dataDir: process.env.E2E_DATA_DIR || path.join(REPO_ROOT, '.data', 'e2e'),
  demoUrl: `http://demo.localhost:${webPort}`,
  publicHost: 'localhost',
  bridgeUrl: `http://127.0.0.1:${bridgePort}`,
};

export const DEMO_USER = { email: 'demo@example.com', password: 'demo' };

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** KEY=value lines of the repo's .env (written by `make`). */
export function readDotEnv(file = path.join(REPO_ROOT, '.env')) {
  const out = {};
  if (!fs.existsSync(file)) return out;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const m = line.match(/^\s*([A-Z0-9_]+)\s*=\s*(.*)\s*$/);
    if (m) out[m[1]] = m[2].replace(/^["']|["']$/g, '');
  }
  return out;
}

export function bridgeToken() {
  return process.env.BRIDGE_TOKEN || readDotEnv().BRIDGE_TOKEN || '';
}

/**
 * A JSON request from Node to 127.0.0.1 with a Host header.
 * @returns {Promise<{status: number, body: any, headers: object}>}
 */
export function nodeRequest({ method = 'GET', port = webPort, host = 'localhost', path: p, body, headers = {}, timeoutMs = 10_000 }) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      {
        method,
        host: '127.0.0.1',
        port,
        path: p,
        headers: {
          Host: port === webPort ? `${host}:${port}` : `127.0.0.1:${port}`,
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
          ...headers,
        },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let parsed = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode, body: parsed, headers: res.headers });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout ${method} ${p}`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** The simulated customers' side of a sandbox session (bridge control routes). */
export function sandbox(sessionId) {
  const call = async (route, body) => {
    const res = await nodeRequest({
      method: body === undefined ? 'GET' : 'POST',
      port: bridgePort,
      path: `/sandbox/sessions/${encodeURIComponent(sessionId)}/${route}`,
      body,
      headers: { Authorization: `Bearer ${bridgeToken()}` },
    });
    if (res.status >= 300) throw new Error(`sandbox ${route}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    inbound: (from, body, extra = {}) => call('inbound', { from, type: 'text', body, ...extra }),
    typing: (from, state) => call('typing', { from, state }),
    presence: (from, online) => call('presence', { from, online }),
    react: (from, waMessageId, emoji) => call('reactions', { from, wa_message_id: waMessageId, emoji }),
    edit: (from, waMessageId, body) => call('edit', { from, wa_message_id: waMessageId, body }),
    revoke: (from, waMessageId) => call('revoke', { from, wa_message_id: waMessageId }),
    customer: (phone) => call(`customers/${encodeURIComponent(phone)}`),
  };
}

/** Poll `fn` until it returns a truthy value (no fixed sleeps). */
export async function waitFor(fn, { timeout = 30_000, interval = 200, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out waiting for ${what}${lastError ? `: ${lastError.message}` : ''}`);
}
