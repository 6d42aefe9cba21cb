// Configuration from the environment and the repo-root `.env` (real env vars win over .env).
// A missing required setting throws ConfigError naming it; server.js prints it and exits 1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_TYPES, OPTIONAL_EVENTS } from './contract/index.js';

export const BRIDGE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = path.resolve(BRIDGE_DIR, '..');

export class ConfigError extends Error {}

/** Minimal .env parser: KEY=VALUE lines, `export` prefix, # comments, single/double quotes. */
export function parseDotenv(text) {
  const out = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!m) continue;
    let value = m[2];
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      const quote = value[0];
      value = value.slice(1, -1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, '');
    }
    out[m[1]] = value;
  }
  return out;
}

/** The .env files looked at, lowest precedence first: repo root (bridge's parent), then the cwd. */
function readDotenvFiles(files) {
  const merged = {};
  for (const file of files) {
    try {
      Object.assign(merged, parseDotenv(fs.readFileSync(file, 'utf8')));
    } catch (err) {
      if (err.code !== 'ENOENT') throw err;
    }
  }
  return merged;
}

function int(env, name, fallback, { min = 0 } = {}) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function bool(env, name, fallback) {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function url(env, name, fallback) {
  const raw = env[name] || fallback;
  try {
    return new URL(raw).toString().replace(/\/$/, '');
  } catch {
    throw new ConfigError(`${name} is not a URL: "${raw}"`);
  }
}

/**
 * BRIDGE_OPTIONAL_EVENTS: a comma list of optional event types, or `all`. A type that is no longer
 * optional (Django handles it now: it moved into the contract's `events`) is accepted and ignored,
 * so an old .env does not stop the bridge.
 */
function optionalEvents(env) {
  const raw = (env.BRIDGE_OPTIONAL_EVENTS || '').trim();
  if (!raw) return new Set();
  if (raw === 'all') return new Set(OPTIONAL_EVENTS);
  const names = raw.split(',').map((n) => n.trim()).filter(Boolean);
  const unknown = names.filter((n) => !EVENT_TYPES.includes(n));
  if (unknown.length) throw new ConfigError(`BRIDGE_OPTIONAL_EVENTS: unknown ${unknown.join(', ')} (known: ${OPTIONAL_EVENTS.join(', ')}, or all)`);
  return new Set(names.filter((n) => OPTIONAL_EVENTS.includes(n)));
}

const REQUIRED = ['BRIDGE_TOKEN', 'BRIDGE_WEBHOOK_SECRET', 'DJANGO_WEBHOOK_URL'];

/**
 * Build the config object. `env` defaults to process.env merged over the .env files;
 * pass `dotenvFiles: []` to ignore .env (tests).
 */
export function loadConfig({
  env = process.env,
  dotenvFiles = [...new Set([path.join(REPO_ROOT, '.env'), path.resolve(process.cwd(), '.env')])],
} = {}) {
  const e = { ...readDotenvFiles(dotenvFiles), ...env };
  for (const name of REQUIRED) {
    if (!e[name]) throw new ConfigError(`missing required setting ${name} (set it in the environment or in .env)`);
  }
  if (!e.BRIDGE_WEBHOOK_SECRET.startsWith('whsec_')) {
    throw new ConfigError('BRIDGE_WEBHOOK_SECRET must look like whsec_<base64>');
  }
  const secretBytes = Buffer.from(e.BRIDGE_WEBHOOK_SECRET.slice('whsec_'.length), 'base64');
  if (secretBytes.length < 16) throw new ConfigError('BRIDGE_WEBHOOK_SECRET must hold at least 16 bytes of base64');
  try {
    new URL(e.DJANGO_WEBHOOK_URL);
  } catch {
    throw new ConfigError(`DJANGO_WEBHOOK_URL is not a URL: "${e.DJANGO_WEBHOOK_URL}"`);
  }
  const port = int(e, 'BRIDGE_PORT', 3001);
  const host = e.BRIDGE_HOST || '127.0.0.1';
  const authStore = e.BRIDGE_AUTH_STORE || 'local';
  if (!['local', 'remote'].includes(authStore)) throw new ConfigError(`BRIDGE_AUTH_STORE must be local or remote, got "${authStore}"`);
  const memoryBudgetMb = int(e, 'BRIDGE_MEMORY_BUDGET_MB', 0);
  return Object.freeze({
    port,
    host,
    nodeId: e.BRIDGE_NODE_ID || `${os.hostname()}:${port}`,
    // How Django reaches this node (reported in the heartbeat).
    publicUrl: url(e, 'BRIDGE_PUBLIC_URL', `http://127.0.0.1:${port}`),
    // Sessions this node should hold; Django's placement reads it (the bridge itself refuses none).
    capacity: int(e, 'BRIDGE_CAPACITY', 50),
    memoryBudgetBytes: memoryBudgetMb ? memoryBudgetMb * 2 ** 20 : null,
    // 0 = no heartbeat: a Django without the node registry answers node.heartbeat with a 400.
    heartbeatMs: int(e, 'BRIDGE_HEARTBEAT_SECONDS', 0) * 1000,
    optionalEvents: optionalEvents(e),
    metricsToken: e.METRICS_TOKEN || null,
    // Where Django's internal API lives (shared auth store): the webhook URL's origin by default.
    internalBaseUrl: url(e, 'INTERNAL_BASE_URL', new URL(e.DJANGO_WEBHOOK_URL).origin),
    authStore,
    // RemoteAuth's periodic backup of a webjs profile (whatsapp-web.js accepts 60 s and more).
    authBackupMs: int(e, 'BRIDGE_AUTH_BACKUP_SECONDS', 300, { min: 60 }) * 1000,
    history: Object.freeze({
      // webjs: catch up on (re)connect and import a newly linked number's recent history.
      sync: bool(e, 'BRIDGE_HISTORY_SYNC', false),
      chats: int(e, 'BRIDGE_HISTORY_CHATS', 100),
      messages: int(e, 'BRIDGE_HISTORY_MESSAGES', 50),
    }),
    mediaMaxAgeMs: int(e, 'BRIDGE_MEDIA_MAX_AGE_HOURS', 24 * 7, { min: 1 }) * 3600_000,
    // wa id -> client_id entries kept per session (the newest): catch-up dedup and our sends.
    waIndexMax: int(e, 'BRIDGE_WA_INDEX_MAX', 50_000, { min: 100 }),
    dataDir: path.resolve(REPO_ROOT, e.BRIDGE_DATA_DIR || '.data/bridge'),
    token: e.BRIDGE_TOKEN,
    webhookSecret: e.BRIDGE_WEBHOOK_SECRET,
    webhookUrl: e.DJANGO_WEBHOOK_URL,
    chromiumPath: e.CHROMIUM_PATH || '/usr/bin/chromium',
    // Extra Chromium flags set by the operator (e.g. --proxy-server=...), space separated.
    chromiumExtraArgs: (e.BRIDGE_CHROMIUM_EXTRA_ARGS || '').split(/\s+/).filter(Boolean),
    logLevel: e.BRIDGE_LOG_LEVEL || 'info',
    // 64 MB: WhatsApp's own ceiling for media other than documents; base64 bodies are 4/3 of it.
    mediaMaxBytes: int(e, 'BRIDGE_MEDIA_MAX_BYTES', 64 * 1024 * 1024, { min: 1 }),
    mediaFetchTimeoutMs: int(e, 'BRIDGE_MEDIA_FETCH_TIMEOUT_MS', 60_000, { min: 1 }),
    outbox: Object.freeze({
      minBackoffMs: int(e, 'BRIDGE_OUTBOX_MIN_BACKOFF_MS', 500, { min: 1 }),
      maxBackoffMs: int(e, 'BRIDGE_OUTBOX_MAX_BACKOFF_MS', 30_000, { min: 1 }),
      requestTimeoutMs: int(e, 'BRIDGE_WEBHOOK_TIMEOUT_MS', 15_000, { min: 1 }),
      concurrency: int(e, 'BRIDGE_OUTBOX_CONCURRENCY', 32, { min: 1 }),
      // Rejections (400/404/410/413/422) of one event before it becomes a dead letter.
      deadLetterAfter: int(e, 'BRIDGE_OUTBOX_DEAD_LETTER_AFTER', 8, { min: 1 }),
      // Events per POST when a session has a backlog; 1 = one event per POST (a Django without
      // batch support).
      batchMax: int(e, 'BRIDGE_OUTBOX_BATCH_MAX', 1, { min: 1 }),
    }),
    webjs: Object.freeze({
      initTimeoutMs: int(e, 'BRIDGE_WEBJS_INIT_TIMEOUT_MS', 60_000, { min: 1 }),
      retryBaseMs: int(e, 'BRIDGE_WEBJS_RETRY_BASE_MS', 10_000, { min: 1 }),
      retryMaxMs: int(e, 'BRIDGE_WEBJS_RETRY_MAX_MS', 5 * 60_000, { min: 1 }),
    }),
    // Idempotency records of finished sends are kept this long (Celery's retry window is far shorter).
    sendRecordTtlMs: int(e, 'BRIDGE_SEND_RECORD_TTL_HOURS', 24 * 7, { min: 1 }) * 3600_000,
  });
}
