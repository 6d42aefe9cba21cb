// Wire the pieces together: store -> outbox -> media -> sessions -> app. Used by server.js and by
// tests (which call app.inject() or listen on a real port).
import pino from 'pino';
import { Store } from './store.js';
import { Outbox } from './outbox.js';
import { MediaStore } from './media.js';
import { SessionManager } from './sessions.js';
import { SendRegistry } from './sends.js';
import { buildApp } from './app.js';
import { RemoteAuthStore } from './authstore.js';
import { Metrics } from './metrics.js';
import { NodeAgent } from './node.js';
import { SandboxEngine } from './engines/sandbox/engine.js';
import { WebjsEngine } from './engines/webjs/engine.js';

export const ENGINES = Object.freeze({ sandbox: SandboxEngine, webjs: WebjsEngine });

const PRUNE_INTERVAL_MS = 3600_000;

export async function createBridge(config, { logger, engines = ENGINES } = {}) {
  const log = logger ?? pino({ level: config.logLevel, base: { node: config.nodeId } });
  const store = new Store(config.dataDir);
  const outbox = new Outbox({ store, url: config.webhookUrl, secret: config.webhookSecret, logger: log.child({ part: 'outbox' }), ...config.outbox });
  const media = new MediaStore({ store, dataDir: config.dataDir, maxBytes: config.mediaMaxBytes, token: config.token, fetchTimeoutMs: config.mediaFetchTimeoutMs });
  const sends = new SendRegistry({ store, media, log, ttlMs: config.sendRecordTtlMs });
  const authStore = config.authStore === 'remote' ? new RemoteAuthStore({ baseUrl: config.internalBaseUrl, token: config.token }) : null;
  const sessions = new SessionManager({ store, outbox, media, sends, authStore, config, log: log.child({ part: 'sessions' }), engines });
  const metrics = new Metrics({ sessions, outbox, nodeId: config.nodeId });
  outbox.metrics = metrics;
  sends.metrics = metrics;
  sessions.metrics = metrics;
  const app = buildApp({ config, sessions, outbox, media, sends, metrics, logger: log });
  const node = new NodeAgent({ config, sessions, outbox, log: log.child({ part: 'node' }) });

  let pruneTimer = null;
  let closed = false;
  /** Hourly: finished send records past their TTL, media past its age limit, the oldest wa index entries. */
  const prune = async () => {
    for (const [what, job] of [
      ['send records', () => sends.prune()],
      ['media', () => media.prune(config.mediaMaxAgeMs)],
      ['wa index', () => sessions.pruneWaIndex(config.waIndexMax)],
    ]) {
      await job().catch((err) => log.error({ err }, `pruning ${what} failed`));
    }
  };

  return {
    app, store, outbox, sessions, media, sends, metrics, node, log, prune,
    /**
     * Resume delivery of what is on disk, then start every stored session again. With heartbeats
     * on, the sessions start after Django's first answer instead (node.js: fencing).
     */
    async start() {
      outbox.start();
      const restored = node.enabled ? 'after the first heartbeat' : await sessions.restoreAll();
      node.start();
      await prune();
      pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
      pruneTimer.unref();
      return { restored, outbox_depth: outbox.depth };
    },
    /** Graceful stop: no new requests, engines stopped (not logged out), outbox flushed to disk. */
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(pruneTimer);
      await node.stop();
      await app.close();
      await sessions.stopAll();
      await outbox.stop();
      await store.close();
    },
  };
}
