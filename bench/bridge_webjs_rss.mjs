// RSS of one webjs session with Chromium up. There is no internet here, so WhatsApp Web never
// loads: to hold Chromium up long enough to measure, the bridge is given a loopback "proxy" that
// accepts connections and never answers (BRIDGE_CHROMIUM_EXTRA_ARGS), so the page load hangs
// until the engine's own timeout. Readings are taken 8 s after Chromium started: the bridge
// process, and the Chromium process tree under it (RSS summed, and PSS, which does not count
// shared pages twice). With WhatsApp Web actually loaded, Chromium's renderer grows further.
// Prints one JSON line.
import net from 'node:net';
import { api, benchEnv, descendants, freePort, pssKb, round, rssKb, spawnBridge, startReceiver, stop, waitFor } from '../bridge/bench/lib.mjs';

const sockets = new Set();
const blackhole = net.createServer((s) => { sockets.add(s); s.on('error', () => {}); });
await new Promise((r) => blackhole.listen(0, '127.0.0.1', r));
const receiver = await startReceiver();
const env = benchEnv({
  BRIDGE_PORT: String(await freePort()),
  DJANGO_WEBHOOK_URL: receiver.url,
  CHROMIUM_PATH: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
  BRIDGE_CHROMIUM_EXTRA_ARGS: `--proxy-server=http://127.0.0.1:${blackhole.address().port}`,
  BRIDGE_WEBJS_INIT_TIMEOUT_MS: '30000',
});
const bridge = await spawnBridge(env);
const call = api(bridge.base);
try {
  await new Promise((r) => setTimeout(r, 1000));
  const nodeBeforeKb = rssKb(bridge.child.pid);
  await call('POST', '/sessions', { id: 'rss', engine: 'webjs', workspace: 'bench' });
  await waitFor(() => descendants(bridge.child.pid).some((p) => /chrom/i.test(p.name)), { timeout: 30000, message: 'Chromium up' });
  await waitFor(() => sockets.size > 0, { timeout: 30000, message: 'page load started' });
  await new Promise((r) => setTimeout(r, 8000));
  const session = await call('GET', '/sessions/rss');
  const tree = descendants(bridge.child.pid).filter((p) => /chrom/i.test(p.name));
  const nodeKb = rssKb(bridge.child.pid);
  const chromeRss = tree.reduce((a, p) => a + p.rssKb, 0);
  const chromePss = tree.reduce((a, p) => a + p.pssKb, 0);
  process.stdout.write(`${JSON.stringify({
    bench: 'bridge_webjs_rss',
    session_status: session.status,
    chromium_processes: tree.length,
    chromium_rss_mb: round(chromeRss / 1024),
    chromium_pss_mb: round(chromePss / 1024),
    bridge_rss_mb: round(nodeKb / 1024),
    bridge_rss_before_session_mb: round(nodeBeforeKb / 1024),
    total_rss_mb: round((chromeRss + nodeKb) / 1024),
    total_pss_mb: round((chromePss + pssKb(bridge.child.pid)) / 1024),
    mode: 'page load hanging (no internet)',
    node: process.version,
  })}\n`);
} finally {
  await stop(bridge);
  await receiver.close();
  for (const s of sockets) s.destroy();
  blackhole.close();
}
