import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONTRACT, EVENT_TYPES, OPTIONAL_EVENTS, eventData, buildEnvelope, events, EventShapeError } from '../src/contract/index.js';

test('the catalogue lists the event types of the contract; the optional ones apart, where Django does not read them', () => {
  assert.deepEqual([...EVENT_TYPES].sort(), [
    'chat.typing', 'chat.unread', 'contact.identity', 'contact.presence', 'message.ack', 'message.created', 'message.edited',
    'message.reaction', 'message.received', 'message.revoked', 'session.pairing_code', 'session.qr', 'session.status',
  ]);
  assert.deepEqual([...OPTIONAL_EVENTS].sort(), []);
  // sessions_wa/contract.py reads `events` only, and Django has a handler for each type there.
  assert.deepEqual(Object.keys(CONTRACT.events).sort(), [
    'chat.typing', 'chat.unread', 'contact.identity', 'contact.presence', 'message.ack', 'message.created', 'message.edited',
    'message.reaction', 'message.received', 'message.revoked', 'session.pairing_code', 'session.qr', 'session.status',
  ]);
});

test('the envelope carries node_id and epoch when given; optional data fields validate', () => {
  const env = buildEnvelope({ type: 'message.ack', sessionId: 's', workspace: 'w', nodeId: 'n1', epoch: 3, data: { wa_message_id: 'x', ack: 1 }, occurredAt: 1000 });
  assert.deepEqual(Object.keys(env), ['type', 'session_id', 'workspace', 'node_id', 'epoch', 'occurred_at', 'data']);
  const message = { wa_message_id: 'x', chat_id: '123456789012345@lid', from: '123456789012345@lid', from_name: null, to: '62811@c.us', type: 'text', body: 'hi', caption: null, media: null, reply_to: null, timestamp: 1, client_id: null };
  assert.deepEqual(eventData('message.received', { ...message, history: true, forwarded: true, chat_lid: '123456789012345@lid', chat_phone_id: '6281100000001@c.us' }).chat_phone_id, '6281100000001@c.us');
  assert.throws(() => eventData('message.received', { ...message, chat_lid: '6281100000001@c.us' }), /chat_lid must match pattern/);
  assert.throws(() => eventData('session.status', { status: 'failed', phone: null, reason: 'x', reason_code: 'mystery' }), /reason_code must be equal to one of the allowed values/);
  assert.equal(eventData('session.status', { status: 'failed', phone: null, reason: 'x', reason_code: 'banned' }).reason_code, 'banned');
  assert.deepEqual(eventData('chat.unread', { chat_id: '62811000@c.us', unread_count: 3 }), { chat_id: '62811000@c.us', unread_count: 3 });
});

test('an undeclared, missing or out-of-range field fails at construction', () => {
  assert.throws(() => eventData('message.ack', { wa_message_id: 'x', ack: 1, extra: 1 }), EventShapeError);
  assert.throws(() => eventData('message.ack', { wa_message_id: 'x' }), /missing field ack/);
  assert.throws(() => eventData('message.ack', { wa_message_id: 'x', ack: 5 }), /ack must be <= 4/);
  assert.throws(() => eventData('session.status', { status: 'online', phone: null, reason: null }), /status must be equal to one of the allowed values/);
  assert.throws(() => eventData('chat.typing', { chat_id: '62811@c.us', from: '62811@c.us', state: 'singing' }), /state must be equal to one of the allowed values/);
  assert.throws(() => eventData('nope', {}), /unknown event type/);
  const env = buildEnvelope({ type: 'session.status', sessionId: 's', workspace: 'w', data: events.sessionStatus({ status: 'qr' })[1], occurredAt: 1500 });
  assert.deepEqual(env, { type: 'session.status', session_id: 's', workspace: 'w', occurred_at: 1.5, data: { status: 'qr', phone: null, reason: null } });
});

test('no module spells an event type name: they come from contract/events.json', () => {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../src');
  const offenders = [];
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (file.endsWith('.js')) {
        const text = fs.readFileSync(file, 'utf8');
        for (const type of EVENT_TYPES) if (text.includes(`'${type}'`) || text.includes(`"${type}"`)) offenders.push(`${path.relative(src, file)}: ${type}`);
      }
    }
  };
  walk(src);
  assert.deepEqual(offenders, []);
});
