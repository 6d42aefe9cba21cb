// For real: the webjs engine launches the system Chromium; without internet, initialize() fails
// (net::ERR_NAME_NOT_RESOLVED) or the page load hangs. Either way the session reports `failed`
// with the reason within the bound, Chromium is gone, and the engine tries again later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import { execFileSync } from 'node:child_process';
import { startBridge, startReceiver, json, waitFor } from './helpers/index.js';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Chromium processes (any of the tree) whose command line mentions `dir`, by ps. */
function chromiumProcesses(dir) {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(dir) && /chrom/i.test(line));
}

test('initialize() failing without DNS becomes `failed` with the reason, Chromium closed, then a retry', { timeout: 60000 }, async (t) => {
  if (!fs.existsSync(CHROMIUM)) assert.fail(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const receiver = await startReceiver();
  const bridge = await startBridge({
    DJANGO_WEBHOOK_URL: receiver.url,
    CHROMIUM_PATH: CHROMIUM,
    BRIDGE_WEBJS_INIT_TIMEOUT_MS: '20000',
    BRIDGE_WEBJS_RETRY_BASE_MS: '400',
    BRIDGE_WEBJS_RETRY_MAX_MS: '800',
  });
  const dir = bridge.config.dataDir;
  try {
    const t0 = Date.now();
    const created = await json(bridge.app, 'POST', '/sessions', { id: 'real-chromium', engine: 'webjs', workspace: 'demo' });
    assert.equal(created.status, 201);
    assert.equal(created.body.status, 'starting');
    // Chromium really starts (its profile is under our data dir)...
    await waitFor(() => chromiumProcesses(dir).length > 0, { timeout: 20000, interval: 5, message: 'a Chromium process' });
    // ...and the session fails within the bound, with the reason.
    const failed = await waitFor(async () => {
      const s = (await json(bridge.app, 'GET', '/sessions/real-chromium')).body;
      return s.status === 'failed' && s;
    }, { timeout: 25000, message: 'status failed' });
    assert.ok(Date.now() - t0 < 25000);
    assert.match(failed.reason, /ERR_NAME_NOT_RESOLVED|did not load|no QR/);
    assert.deepEqual(chromiumProcesses(dir), [], 'Chromium is shut down when the session fails');
    // It tries again: starting -> failed a second time.
    await waitFor(() => receiver.events((e) => e.type === 'session.status' && e.data.status === 'failed').length >= 2, { timeout: 30000, message: 'second failure' });
    const statuses = receiver.events((e) => e.type === 'session.status').map((e) => e.data.status);
    assert.deepEqual(statuses.slice(0, 4), ['starting', 'failed', 'starting', 'failed']);
    const del = await json(bridge.app, 'DELETE', '/sessions/real-chromium');
    assert.equal(del.body.status, 'logged_out');
  } finally {
    await bridge.close();
    await receiver.close();
  }
  assert.deepEqual(chromiumProcesses(dir), [], 'no orphan Chromium after the bridge stops');
});

test('a page load that hangs is cut by our own timeout', { timeout: 60000 }, async () => {
  if (!fs.existsSync(CHROMIUM)) assert.fail(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  // A "proxy" on loopback that accepts connections and never answers: the page load hangs.
  const sockets = new Set();
  const blackhole = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
  await new Promise((r) => blackhole.listen(0, '127.0.0.1', r));
  const receiver = await startReceiver();
  const bridge = await startBridge({
    DJANGO_WEBHOOK_URL: receiver.url,
    CHROMIUM_PATH: CHROMIUM,
    BRIDGE_CHROMIUM_EXTRA_ARGS: `--proxy-server=http://127.0.0.1:${blackhole.address().port}`,
    BRIDGE_WEBJS_INIT_TIMEOUT_MS: '4000',
    BRIDGE_WEBJS_RETRY_BASE_MS: '600000',
  });
  const dir = bridge.config.dataDir;
  try {
    const t0 = Date.now();
    await json(bridge.app, 'POST', '/sessions', { id: 'hang', engine: 'webjs', workspace: 'demo' });
    const failed = await waitFor(async () => {
      const s = (await json(bridge.app, 'GET', '/sessions/hang')).body;
      return s.status === 'failed' && s;
    }, { timeout: 20000, message: 'status failed' });
    const elapsed = Date.now() - t0;
    assert.ok(sockets.size > 0, 'Chromium did try to load the page through the proxy');
    assert.match(failed.reason, /did not load within 4000 ms/);
    assert.ok(elapsed >= 3900 && elapsed < 15000, `failed after ${elapsed} ms`);
    await waitFor(() => chromiumProcesses(dir).length === 0, { timeout: 5000, message: 'Chromium gone' });
  } finally {
    await bridge.close();
    await receiver.close();
    for (const s of sockets) s.destroy();
    blackhole.close();
  }
  assert.deepEqual(chromiumProcesses(dir), []);
});
