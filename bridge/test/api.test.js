// The REST surface over fastify inject: auth, schemas, error codes, session lifecycle.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { AUTH, startBridge, json, connectedSandbox, waitFor } from './helpers/index.js';

let bridge;
before(async () => { bridge = await startBridge({ METRICS_TOKEN: 'metrics-token-0123' }); });
after(async () => { await bridge.close(); });

test('a missing or wrong token is 401 unauthorized on every route but /health', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }]) {
    for (const [method, url] of [['GET', '/sessions'], ['POST', '/sessions'], ['GET', '/sessions/x'], ['POST', '/sessions/x/messages'], ['GET', '/sandbox/sessions/x/log']]) {
      const r = await json(bridge.app, method, url, method === 'POST' ? {} : undefined, headers);
      assert.equal(r.status, 401, `${method} ${url}`);
      assert.equal(r.body.error.code, 'unauthorized');
    }
  }
});

test('/health answers anyone with a bare liveness; the node, sessions, outbox and uptime only with the bridge or metrics token', async () => {
  const bare = await json(bridge.app, 'GET', '/health', undefined, {});
  assert.equal(bare.status, 200);
  assert.deepEqual(bare.body, { status: 'ok' });
  assert.deepEqual((await json(bridge.app, 'GET', '/health', undefined, { authorization: 'Bearer nope' })).body, { status: 'ok' });
  for (const headers of [AUTH, { authorization: 'Bearer metrics-token-0123' }]) {
    const r = await json(bridge.app, 'GET', '/health', undefined, headers);
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'ok');
    assert.equal(r.body.node, 'test-node');
    assert.deepEqual(Object.keys(r.body.sessions.by_status), ['starting', 'qr', 'connected', 'disconnected', 'failed', 'logged_out']);
    assert.equal(typeof r.body.outbox.depth, 'number');
    assert.equal(typeof r.body.outbox.oldest_age_seconds, 'number');
    assert.equal(typeof r.body.uptime_seconds, 'number');
  }
  // Probes add cache-busters: any query string is fine on /health (and only there).
  for (const qs of ['x=1', '_=1733100000000&probe=lb', 'x']) {
    const q = await json(bridge.app, 'GET', `/health?${qs}`, undefined, {});
    assert.equal(q.status, 200, qs);
    assert.equal(q.body.status, 'ok');
  }
  const strict = await json(bridge.app, 'GET', '/outbox/dead?x=1');
  assert.equal(strict.status, 400);
  assert.equal(strict.body.error.fields['querystring.x'], 'unknown field');
});

test('/metrics: Prometheus text with the metrics token only (401 otherwise, not the bridge token), names prefixed blazz_bridge_', async () => {
  await connectedSandbox(bridge.app, 'met1');
  await json(bridge.app, 'POST', '/sessions/met1/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'met-1' });
  await json(bridge.app, 'POST', '/sessions/met1/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'met-1' });
  for (const headers of [{}, AUTH]) assert.equal((await bridge.app.inject({ method: 'GET', url: '/metrics', headers })).statusCode, 401);
  const res = await bridge.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123' } });
  assert.equal(res.statusCode, 200);
  assert.match(res.headers['content-type'], /^text\/plain/);
  const text = res.body;
  assert.match(text, /^blazz_bridge_sessions\{status="connected",node="test-node"\} [1-9]/m);
  assert.match(text, /^blazz_bridge_sends_total\{outcome="sent",node="test-node"\} 1$/m);
  assert.match(text, /^blazz_bridge_sends_total\{outcome="repeat",node="test-node"\} 1$/m);
  assert.match(text, /^blazz_bridge_events_total\{type="message.created",node="test-node"\} [1-9]/m);
  assert.match(text, /^blazz_bridge_outbox_depth\{node="test-node"\} [0-9]+$/m);
  assert.match(text, /^blazz_bridge_dead_letters\{node="test-node"\} 0$/m);
  assert.match(text, /^blazz_bridge_process_resident_memory_bytes/m);
  assert.doesNotMatch(text, /^(?!#)(?!blazz_bridge_)\w+/m, 'every metric is prefixed');
});

test('/metrics is 404 when METRICS_TOKEN is unset', async () => {
  const plain = await startBridge({ METRICS_TOKEN: '' });
  try {
    const r = await json(plain.app, 'GET', '/metrics', undefined, { authorization: 'Bearer x' });
    assert.equal(r.status, 404);
    assert.equal(r.body.error.code, 'metrics_disabled');
  } finally {
    await plain.close();
  }
});

test('bad input is a 400 invalid_request naming the fields, never a crash', async () => {
  let r = await json(bridge.app, 'POST', '/sessions', { id: 'bad id!', engine: 'nope', extra: 1 });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.code, 'invalid_request');
  assert.ok(r.body.error.fields.id);
  assert.ok(r.body.error.fields.engine);
  assert.ok(r.body.error.fields.workspace);
  assert.equal(r.body.error.fields.extra, 'unknown field');

  const res = await bridge.app.inject({ method: 'POST', url: '/sessions', payload: '{not json', headers: { ...AUTH, 'content-type': 'application/json' } });
  assert.equal(res.statusCode, 400);
  assert.equal(res.json().error.code, 'invalid_request');

  await connectedSandbox(bridge.app, 'schema1');
  r = await json(bridge.app, 'POST', '/sessions/schema1/messages', { to: '6281100000001', type: 'image', client_id: 'x1' });
  assert.equal(r.status, 400);
  assert.equal(r.body.error.fields.media, 'required for image messages');
  r = await json(bridge.app, 'POST', '/sessions/schema1/messages', { to: '6281100000001', type: 'text', body: 'hi' });
  assert.equal(r.body.error.fields.client_id, 'required');
  r = await json(bridge.app, 'POST', '/sessions/schema1/messages', { to: '6281100000001', type: 'text', body: 'hi', client_id: 'x'.repeat(101) });
  assert.ok(r.body.error.fields.client_id);
  r = await json(bridge.app, 'POST', '/sessions/schema1/chats/6281100000001@c.us/typing', { state: 'dancing' });
  assert.equal(r.status, 400);
  assert.ok(r.body.error.fields.state);
  r = await json(bridge.app, 'POST', '/sessions', { id: 'opt1', engine: 'sandbox', workspace: 'demo', options: { ack_delays_ms: { sent: -1 }, bogus: true } });
  assert.equal(r.status, 400);
  assert.ok(r.body.error.fields['options.ack_delays_ms.sent']);
  assert.ok(r.body.error.fields['options.bogus']);
});

test('an unknown session is a 404 session_not_found; an unknown route a 404 not_found', async () => {
  for (const [method, url, payload] of [
    ['GET', '/sessions/ghost'],
    ['DELETE', '/sessions/ghost'],
    ['POST', '/sessions/ghost/messages', { to: '6281', type: 'text', body: 'x', client_id: 'c' }],
    ['POST', '/sessions/ghost/chats/628111111111/seen'],
    ['GET', '/sessions/ghost/media/med_01abcdefghjkmnpqrstvwxyz01'],
    ['POST', '/sandbox/sessions/ghost/inbound', { from: '628111111111', body: 'x' }],
  ]) {
    const r = await json(bridge.app, method, url, payload);
    if (payload && payload.to === '6281') {
      assert.equal(r.status, 400); // schema first: "6281" is too short for a number
      continue;
    }
    assert.equal(r.status, 404, `${method} ${url}`);
    assert.equal(r.body.error.code, 'session_not_found');
  }
  const r = await json(bridge.app, 'GET', '/nope');
  assert.equal(r.status, 404);
  assert.equal(r.body.error.code, 'not_found');
});

test('POST /sessions is idempotent for the same id and engine; another engine is 409 session_exists', async () => {
  const body = { id: 'idem1', engine: 'sandbox', workspace: 'demo', options: { qr_scan_delay_ms: 0 } };
  const first = await json(bridge.app, 'POST', '/sessions', body);
  assert.equal(first.status, 201);
  assert.deepEqual(Object.keys(first.body).sort(), ['engine', 'epoch', 'id', 'node', 'phone', 'qr', 'qr_raw', 'reason', 'reason_code', 'status', 'workspace']);
  assert.equal(first.body.epoch, 0);
  assert.equal(first.body.node, 'test-node');
  const again = await json(bridge.app, 'POST', '/sessions', body);
  assert.equal(again.status, 200);
  assert.equal(again.body.id, 'idem1');
  const other = await json(bridge.app, 'POST', '/sessions', { ...body, engine: 'webjs' });
  assert.equal(other.status, 409);
  assert.equal(other.body.error.code, 'session_exists');
  const list = await json(bridge.app, 'GET', '/sessions');
  assert.ok(list.body.sessions.some((s) => s.id === 'idem1'));
});

test('a sandbox session shows its QR as a PNG data URL while waiting for the scan, then connects', async () => {
  const r = await json(bridge.app, 'POST', '/sessions', { id: 'qr1', engine: 'sandbox', workspace: 'demo', options: { qr_scan_delay_ms: 150 } });
  assert.equal(r.status, 201);
  assert.equal(r.body.status, 'qr');
  assert.match(r.body.qr, /^data:image\/png;base64,/);
  assert.match(r.body.qr_raw, /^2@/);
  const connected = await waitFor(async () => {
    const s = await json(bridge.app, 'GET', '/sessions/qr1');
    return s.body.status === 'connected' && s.body;
  }, { message: 'qr1 connected' });
  assert.equal(connected.qr, null);
  assert.match(connected.phone, /^[0-9]+$/);
});

test('DELETE logs the session out and forgets it', async () => {
  await connectedSandbox(bridge.app, 'del1');
  const r = await json(bridge.app, 'DELETE', '/sessions/del1');
  assert.equal(r.status, 200);
  assert.equal(r.body.status, 'logged_out');
  assert.equal((await json(bridge.app, 'GET', '/sessions/del1')).status, 404);
  assert.equal(bridge.store.sessions.get('del1'), undefined);
});

test('what an engine cannot do is a 422 not_supported_by_engine', async () => {
  // A webjs session whose Chromium cannot start (CHROMIUM_PATH=/bin/false): it fails, and it
  // still is a webjs session for the routes.
  const r = await json(bridge.app, 'POST', '/sessions', { id: 'wj1', engine: 'webjs', workspace: 'demo' });
  assert.equal(r.status, 201);
  for (const [url, payload] of [
    ['/sandbox/sessions/wj1/inbound', { from: '628111111111', body: 'x' }],
    ['/sandbox/sessions/wj1/typing', { from: '628111111111', state: 'typing' }],
    ['/sandbox/sessions/wj1/presence', { from: '628111111111', online: true }],
    ['/sandbox/sessions/wj1/phone-message', { to: '628111111111', body: 'x' }],
  ]) {
    const res = await json(bridge.app, 'POST', url, payload);
    assert.equal(res.status, 422, url);
    assert.equal(res.body.error.code, 'not_supported_by_engine');
  }
  assert.equal((await json(bridge.app, 'GET', '/sandbox/sessions/wj1/log')).body.error.code, 'not_supported_by_engine');
  const failed = await waitFor(async () => {
    const s = await json(bridge.app, 'GET', '/sessions/wj1');
    return s.body.status === 'failed' && s.body;
  }, { timeout: 15000, message: 'webjs session failed' });
  assert.ok(failed.reason);
  const send = await json(bridge.app, 'POST', '/sessions/wj1/messages', { to: '628111111111', type: 'text', body: 'x', client_id: 'c1' });
  assert.equal(send.status, 409);
  assert.equal(send.body.error.code, 'session_not_connected');
  const code = await json(bridge.app, 'POST', '/sessions/wj1/pairing-code', { phone: '628111111111' });
  assert.equal(code.status, 409);
  assert.equal(code.body.error.code, 'invalid_session_state');
  assert.equal((await json(bridge.app, 'DELETE', '/sessions/wj1')).body.status, 'logged_out');
});

test('the sandbox gives a deterministic pairing code while waiting for a scan', async () => {
  await json(bridge.app, 'POST', '/sessions', { id: 'pair1', engine: 'sandbox', workspace: 'demo', options: { qr_scan_delay_ms: 60000, seed: 7 } });
  const a = await json(bridge.app, 'POST', '/sessions/pair1/pairing-code', { phone: '+628111111111' });
  const b = await json(bridge.app, 'POST', '/sessions/pair1/pairing-code', { phone: '628111111111' });
  assert.equal(a.status, 200);
  assert.match(a.body.code, /^[A-Z0-9]{8}$/);
  assert.equal(a.body.code, b.body.code);
  // Django handles session.pairing_code: every code requested is queued for it.
  const queued = [...bridge.store.outbox.getRange({})].map(({ value }) => ({ type: value.type, ...JSON.parse(value.body) }));
  const codes = queued.filter((event) => event.type === 'session.pairing_code' && event.session_id === 'pair1');
  assert.ok(queued.some((event) => event.type === 'session.qr'));
  assert.equal(codes.length, 2);
  assert.ok(codes.every((event) => event.data.code === a.body.code));
  await json(bridge.app, 'DELETE', '/sessions/pair1');
});

test('fencing: a session carries its epoch; a command with a lower X-Blazz-Epoch is 409 stale_epoch, a higher one is recorded', async () => {
  const created = await json(bridge.app, 'POST', '/sessions', { id: 'ep1', engine: 'sandbox', workspace: 'demo', epoch: 4, options: { qr_scan_delay_ms: 0 } });
  assert.equal(created.status, 201);
  assert.equal(created.body.epoch, 4);
  const stale = await json(bridge.app, 'POST', '/sessions/ep1/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'ep-1' }, { ...AUTH, 'x-blazz-epoch': '3' });
  assert.equal(stale.status, 409);
  assert.equal(stale.body.error.code, 'stale_epoch');
  assert.equal(bridge.store.sends.get(['ep1', 'ep-1']), undefined, 'nothing was sent');
  const current = await json(bridge.app, 'POST', '/sessions/ep1/messages', { to: '6281100000001', type: 'text', body: 'x', client_id: 'ep-1' }, { ...AUTH, 'x-blazz-epoch': '4' });
  assert.equal(current.status, 201);
  assert.equal((await json(bridge.app, 'GET', '/sessions/ep1', undefined, { ...AUTH, 'x-blazz-epoch': '6' })).body.epoch, 6);
  assert.equal(bridge.store.sessions.get('ep1').epoch, 6, 'kept in the store');
  assert.equal((await json(bridge.app, 'POST', '/sessions', { id: 'ep1', engine: 'sandbox', workspace: 'demo', epoch: 5 })).body.error.code, 'stale_epoch');
  const bad = await json(bridge.app, 'GET', '/sessions/ep1', undefined, { ...AUTH, 'x-blazz-epoch': 'soon' });
  assert.equal(bad.status, 400);
  // Without the header, commands are not fenced (today's Django).
  assert.equal((await json(bridge.app, 'GET', '/sessions/ep1')).status, 200);
});

test('release: stopped without logging out, reported released, forgotten here; a second release answers 200', async () => {
  await connectedSandbox(bridge.app, 'rel1');
  const r = await json(bridge.app, 'POST', '/sessions/rel1/release');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { id: 'rel1', released: true, status: 'disconnected' });
  assert.equal((await json(bridge.app, 'GET', '/sessions/rel1')).status, 404);
  assert.equal(bridge.store.sessions.get('rel1'), undefined);
  const again = await json(bridge.app, 'POST', '/sessions/rel1/release');
  assert.deepEqual(again.body, { id: 'rel1', released: true, status: null });
});
