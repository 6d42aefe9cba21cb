// Shared pieces of the bridge benchmarks in ../../bench/bridge_*.mjs: a trivial webhook receiver,
// a real `node bridge/src/server.js` on a free port with a temp data dir, process-tree memory.
import fs from 'node:fs';
import os from 'node:os';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BRIDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const TOKEN = 'bench-token';

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

export async function waitFor(fn, { timeout = 60000, interval = 20, message = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch { /* retry */ }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${message}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

export function quantile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/**
 * A receiver that answers 204 at once and records the delay from occurred_at to now. `count` is
 * every POST; `ids` the distinct webhook-ids (what Django applies), `duplicates` the repeats.
 * `onEvent(body, {duplicate})`, when given, sees every parsed body.
 */
export async function startReceiver(port = 0, { onEvent } = {}) {
  const r = { count: 0, ids: new Set(), duplicates: 0, latencies: [], firstAt: null, lastAt: null };
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const now = Date.now();
      const id = req.headers['webhook-id'];
      const duplicate = r.ids.has(id);
      if (duplicate) r.duplicates++;
      else r.ids.add(id);
      try {
        const body = JSON.parse(Buffer.concat(chunks));
        r.latencies.push(now - body.occurred_at * 1000);
        onEvent?.(body, { duplicate });
      } catch { /* ignore */ }
      r.count++;
      r.firstAt ??= now;
      r.lastAt = now;
      res.writeHead(204);
      res.end();
    });
  });
  server.keepAliveTimeout = 30000;
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  r.port = server.address().port;
  r.url = `http://127.0.0.1:${r.port}/hooks/bridge/`;
  r.close = () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return r;
}

export function benchEnv(overrides = {}) {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    BRIDGE_TOKEN: TOKEN,
    BRIDGE_WEBHOOK_SECRET: `whsec_${crypto.randomBytes(24).toString('base64')}`,
    BRIDGE_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'bridge-bench-')),
    BRIDGE_LOG_LEVEL: 'error',
    BRIDGE_NODE_ID: 'bench',
    ...overrides,
  };
}

/** Start the real server; resolves once /health answers. */
export async function spawnBridge(env, { nodeArgs = [] } = {}) {
  const child = spawn(process.execPath, [...nodeArgs, path.join(BRIDGE_DIR, 'src/server.js')], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c) => { stderr += c; });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const base = `http://127.0.0.1:${env.BRIDGE_PORT}`;
  const startedAt = Date.now();
  await waitFor(async () => (await fetch(`${base}/health`)).ok, { timeout: 30000, message: `bridge up (${stderr.slice(-300)})` });
  return { child, exited, base, startedAt, readyAt: Date.now(), stderr: () => stderr };
}

export function api(base) {
  return async (method, url, body) => {
    const res = await fetch(`${base}${url}`, {
      method,
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => null);
    if (res.status >= 400) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };
}

/** /health with its detail (sessions, outbox): the bridge token. */
export const health = async (base) => (await fetch(`${base}/health`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();

/** Run `fn(i)` for i in [0, n) with at most `concurrency` at once. */
export async function pool(n, concurrency, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) {
      const i = next++;
      await fn(i);
    }
  });
  await Promise.all(workers);
}

function readStatus(pid) {
  const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(text.match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'))?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), ppid: Number(text.match(/^PPid:\s+(\d+)/m)[1]), name: text.match(/^Name:\s+(.*)$/m)[1] };
}

function pssKb(pid) {
  try {
    return Number(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').match(/^Pss:\s+(\d+)/m)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

export function rssKb(pid) {
  return readStatus(pid).rssKb;
}

/** All descendants of `root` (not root itself) with their RSS and PSS. */
export function descendants(root) {
  const procs = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      procs.push({ pid: Number(entry), ...readStatus(entry) });
    } catch { /* gone */ }
  }
  const children = new Map();
  for (const p of procs) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(p);
  }
  const out = [];
  const stack = [...(children.get(root) || [])];
  while (stack.length) {
    const p = stack.pop();
    out.push({ ...p, pssKb: pssKb(p.pid) });
    stack.push(...(children.get(p.pid) || []));
  }
  return out;
}

export { pssKb };

export async function stop(bridge, signal = 'SIGTERM') {
  bridge.child.kill(signal);
  await bridge.exited;
}

/** Full GC in a bridge started with gcNodeArgs(), then its process.memoryUsage() (bytes). */
export async function gcAndMeasure(bridge, file) {
  const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0;
  bridge.child.kill('SIGUSR2');
  await waitFor(() => fs.existsSync(file) && fs.statSync(file).mtimeMs > before && fs.readFileSync(file, 'utf8').length > 0, { message: 'memory report' });
  await new Promise((r) => setTimeout(r, 200)); // let the OS settle RSS after the GC
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

export const gcNodeArgs = () => ['--expose-gc', '--import', path.join(BRIDGE_DIR, 'bench/gc-preload.mjs')];

export const round = (n, d = 1) => (n === null ? null : Math.round(n * 10 ** d) / 10 ** d);
