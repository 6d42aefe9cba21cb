import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EVENT_TYPES, eventData, buildEnvelope, events, EventShapeError } from '../src/contract/index.js';

test('the catalogue lists the ten event types of the contract', () => {
  assert.deepEqual([...EVENT_TYPES].sort(), [
    'chat.typing', 'contact.presence', 'message.ack', 'message.created', 'message.edited',
    'message.reaction', 'message.received', 'message.revoked', 'session.qr', 'session.status',
  ]);
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
