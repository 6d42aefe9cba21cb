// Entry point: `node bridge/src/server.js` (from the repo root, or anywhere).
import { loadConfig, ConfigError } from './config.js';
import { createBridge } from './runtime.js';

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    process.stderr.write(`bridge: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}

const bridge = await createBridge(config);
const { log } = bridge;

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, 'shutting down');
  const force = setTimeout(() => {
    log.error('shutdown took too long; exiting');
    process.exit(1);
  }, 15_000);
  force.unref();
  try {
    await bridge.close();
    process.exit(0);
  } catch (err) {
    log.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));

// Resume the outbox and start the stored sessions first, so the first request finds them.
const started = await bridge.start();
try {
  await bridge.app.listen({ port: config.port, host: config.host });
} catch (err) {
  log.fatal({ err }, `cannot listen on ${config.host}:${config.port}`);
  await bridge.close().catch(() => {});
  process.exit(1);
}
log.info({ port: config.port, host: config.host, data_dir: config.dataDir, ...started }, 'bridge ready');
