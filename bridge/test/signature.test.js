// The contract both sides rely on: a webhook signed by the bridge verifies with the Python
// standardwebhooks package Django uses, over the exact bytes POSTed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { startBridge, startReceiver, connectedSandbox, json, waitFor, tempDir } from './helpers/index.js';
import { BRIDGE_DIR } from './helpers/child.js';

function python() {
  const candidate = process.env.PYTHON || path.resolve(BRIDGE_DIR, '../.venv/bin/python');
  if (!fs.existsSync(candidate)) {
    assert.fail(`no Python at ${candidate}: run \`make\` at the repository root (it creates .venv with standardwebhooks), or set PYTHON`);
  }
  return candidate;
}

const VERIFY = `
import json, sys
from standardwebhooks.webhooks import Webhook
secret, folder = sys.argv[1], sys.argv[2]
cases = json.load(open(folder + "/cases.json"))
wh = Webhook(secret)
out = []
for case in cases:
    body = open(folder + "/" + case["file"], "rb").read()
    try:
        payload = wh.verify(body, case["headers"])
        out.append({"ok": True, "type": payload["type"]})
    except Exception as e:
        out.append({"ok": False, "error": type(e).__name__})
print(json.dumps(out))
`;

test('Python standardwebhooks verifies the bridge signature; a tampered body or another secret fails', async () => {
  const py = python();
  const receiver = await startReceiver();
  const bridge = await startBridge({ DJANGO_WEBHOOK_URL: receiver.url });
  try {
    await connectedSandbox(bridge.app, 'sig');
    await json(bridge.app, 'POST', '/sandbox/sessions/sig/inbound', { from: '6281100000001', name: 'Zoë ✓', body: 'Unicode: héllo 👋 "quotes" \\ backslash' });
    await waitFor(() => receiver.delivered.some((d) => d.json.type === 'message.received'), { message: 'message.received delivered' });
    const dir = tempDir('sig-');
    const cases = [];
    receiver.delivered.forEach((d, i) => {
      fs.writeFileSync(path.join(dir, `${i}.bin`), d.raw);
      const headers = { 'webhook-id': d.headers['webhook-id'], 'webhook-timestamp': d.headers['webhook-timestamp'], 'webhook-signature': d.headers['webhook-signature'] };
      cases.push({ file: `${i}.bin`, headers });
    });
    const tampered = Buffer.from(receiver.delivered.at(-1).raw.toString().replace('héllo', 'hello'));
    fs.writeFileSync(path.join(dir, 'tampered.bin'), tampered);
    cases.push({ file: 'tampered.bin', headers: cases.at(-1).headers });
    fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases));

    const run = (secret) => {
      const r = spawnSync(py, ['-c', VERIFY, secret, dir], { encoding: 'utf8' });
      assert.equal(r.status, 0, `python failed: ${r.stderr}`);
      return JSON.parse(r.stdout);
    };
    const results = run(bridge.config.webhookSecret);
    const genuine = results.slice(0, -1);
    assert.ok(genuine.length >= 4);
    assert.ok(genuine.every((r) => r.ok), JSON.stringify(genuine));
    assert.ok(genuine.some((r) => r.type === 'message.received'));
    assert.equal(results.at(-1).ok, false, 'tampered body must fail');
    const other = run('whsec_' + Buffer.alloc(24, 7).toString('base64'));
    assert.ok(other.every((r) => !r.ok), 'another secret must fail');
  } finally {
    await bridge.close();
    await receiver.close();
  }
});
