import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig, parseDotenv, ConfigError } from '../src/config.js';
import { testEnv, tempDir, freePort } from './helpers/index.js';
import { spawnBridge } from './helpers/child.js';

test('each required setting is named when missing', () => {
  for (const name of ['BRIDGE_TOKEN', 'BRIDGE_WEBHOOK_SECRET', 'DJANGO_WEBHOOK_URL']) {
    const env = testEnv();
    delete env[name];
    assert.throws(() => loadConfig({ env, dotenvFiles: [] }), (err) => err instanceof ConfigError && err.message.includes(name));
  }
  assert.throws(() => loadConfig({ env: testEnv({ BRIDGE_WEBHOOK_SECRET: 'plain' }), dotenvFiles: [] }), /whsec_/);
});

test('defaults, and .env files under real environment variables', () => {
  const dir = tempDir();
  const file = path.join(dir, '.env');
  fs.writeFileSync(file, '# comment\nexport BRIDGE_TOKEN="from-file"\nBRIDGE_PORT=4100\nDJANGO_WEBHOOK_URL=http://127.0.0.1:8000/hooks/bridge/ # trailing\nBRIDGE_WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n');
  const config = loadConfig({ env: { BRIDGE_PORT: '4200' }, dotenvFiles: [file] });
  assert.equal(config.token, 'from-file');
  assert.equal(config.port, 4200);
  assert.equal(config.webhookUrl, 'http://127.0.0.1:8000/hooks/bridge/');
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.chromiumPath, '/usr/bin/chromium');
  assert.match(config.dataDir, /\.data\/bridge$/);
  assert.match(config.nodeId, /:4200$/);
  assert.equal(config.outbox.deadLetterAfter, 8);
  assert.equal(loadConfig({ env: testEnv({ BRIDGE_OUTBOX_DEAD_LETTER_AFTER: '3' }), dotenvFiles: [] }).outbox.deadLetterAfter, 3);
  assert.throws(() => loadConfig({ env: testEnv({ BRIDGE_OUTBOX_DEAD_LETTER_AFTER: '0' }), dotenvFiles: [] }), /BRIDGE_OUTBOX_DEAD_LETTER_AFTER/);
  assert.deepEqual(parseDotenv("A='x y'\nB=\"q\\\"\"\n"), { A: 'x y', B: 'q"' });
});

test('what today\'s Django does not handle is off by default; BRIDGE_OPTIONAL_EVENTS names optional events', () => {
  const config = loadConfig({ env: testEnv(), dotenvFiles: [] });
  assert.equal(config.heartbeatMs, 0);
  assert.equal(config.outbox.batchMax, 1);
  assert.equal(config.authStore, 'local');
  assert.equal(config.history.sync, false);
  assert.equal(config.metricsToken, null);
  assert.deepEqual([...config.optionalEvents], []);
  const named = (value) => [...loadConfig({ env: testEnv({ BRIDGE_OPTIONAL_EVENTS: value }), dotenvFiles: [] }).optionalEvents].sort();
  // Django handles every type now (chat.unread and contact.identity since issue 18): nothing is optional.
  assert.deepEqual(named('all'), []);
  // A type Django handles (always emitted) is accepted and ignored: an old .env keeps working.
  assert.deepEqual(named(' chat.unread, session.pairing_code '), []);
  assert.deepEqual(named('message.ack,contact.identity'), []);
  assert.throws(() => named('chat.read'), /BRIDGE_OPTIONAL_EVENTS: unknown chat.read/);
  assert.throws(() => loadConfig({ env: testEnv({ BRIDGE_AUTH_STORE: 's3' }), dotenvFiles: [] }), /BRIDGE_AUTH_STORE/);
});

test('the server stops with exit code 1 and one line naming a missing setting', async () => {
  const env = testEnv({ BRIDGE_PORT: String(await freePort()) });
  delete env.BRIDGE_TOKEN;
  // cwd without a .env; the repo-root .env (if any) may define it, so point the check at a
  // setting whose absence we control through an empty value, which counts as missing.
  const run = await spawnBridge({ ...env, BRIDGE_TOKEN: '' }, { cwd: tempDir() });
  const { code } = await run.exited;
  assert.equal(code, 1);
  assert.equal(run.output.stderr.trim().split('\n').length, 1);
  assert.match(run.output.stderr, /BRIDGE_TOKEN/);
});
