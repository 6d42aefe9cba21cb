// whatsapp-web.js objects -> our events, over recorded page models turned into real
// whatsapp-web.js Message / Reaction objects (the library's own constructors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { messageData, ackData, reactionData, editData, revokeData, statusForDisconnect, statusForState, presenceEvents, quotedMessageId } from '../src/engines/webjs/mapping.js';
import { eventData, EventType } from '../src/contract/index.js';

const require = createRequire(import.meta.url);
const Message = require('whatsapp-web.js/src/structures/Message.js');
const Reaction = require('whatsapp-web.js/src/structures/Reaction.js');

const fixtures = JSON.parse(fs.readFileSync(new URL('./fixtures/webjs/messages.json', import.meta.url)));
const reactions = JSON.parse(fs.readFileSync(new URL('./fixtures/webjs/reactions.json', import.meta.url)));
const msg = (name) => new Message(null, structuredClone(fixtures[name]));
const ME = '6289912345678@c.us';

/** Every mapped payload must also pass the event catalogue's shape check. */
const received = (data) => eventData(EventType.MESSAGE_RECEIVED, data);

test('an incoming text message', () => {
  const data = received(messageData(msg('incoming_text'), { me: ME }));
  assert.deepEqual(data, {
    wa_message_id: 'false_6281234567890@c.us_3A5B7C9D1E2F3A4B5C6D',
    chat_id: '6281234567890@c.us',
    from: '6281234567890@c.us',
    from_name: 'Budi',
    to: ME,
    type: 'text',
    body: 'Halo, apakah toko buka hari ini?',
    caption: null,
    media: null,
    reply_to: null,
    timestamp: 1732500000,
    client_id: null,
  });
});

test('an incoming image: caption, media from the download, metadata when the download failed', () => {
  const info = { id: 'med_x', mimetype: 'image/jpeg', filename: 'med_x.jpg', size: 48213 };
  const data = received(messageData(msg('incoming_image'), { me: ME, media: info }));
  assert.equal(data.type, 'image');
  assert.equal(data.caption, 'Ini fotonya');
  assert.equal(data.body, '');
  assert.deepEqual(data.media, info);
  const undownloaded = messageData(msg('incoming_image'), { me: ME });
  assert.deepEqual(undownloaded.media, { id: null, mimetype: 'image/jpeg', filename: null, size: 48213 });
});

test('a voice note (ptt) is type voice; a document keeps its filename and caption', () => {
  const voice = received(messageData(msg('incoming_voice'), { me: ME }));
  assert.equal(voice.type, 'voice');
  assert.equal(voice.caption, null);
  assert.equal(voice.media.mimetype, 'audio/ogg; codecs=opus');
  const doc = received(messageData(msg('incoming_document'), { me: ME }));
  assert.equal(doc.type, 'document');
  assert.equal(doc.media.filename, 'invoice-0001.pdf');
  assert.equal(doc.caption, 'invoice');
});

test('a message typed on the phone (message_create, fromMe) is ours: from is me, chat is the recipient', () => {
  const data = eventData(EventType.MESSAGE_CREATED, messageData(msg('outgoing_from_phone'), { me: ME }));
  assert.equal(data.chat_id, '6281234567890@c.us');
  assert.equal(data.from, ME);
  assert.equal(data.from_name, null);
  assert.equal(data.client_id, null);
  const ours = messageData(msg('outgoing_from_phone'), { me: ME, clientId: 'abc' });
  assert.equal(ours.client_id, 'abc');
});

test('quoted replies resolve to the serialized id of the quoted message', () => {
  const group = messageData(msg('incoming_reply_in_group'), { me: ME });
  assert.equal(group.chat_id, '120363025555555555@g.us');
  assert.equal(group.from, '6281234567890@c.us');
  assert.equal(group.reply_to, 'true_120363025555555555@g.us_3EB0AAAABBBBCCCCDDDD');
  const direct = messageData(msg('incoming_reply_to_customer'), { me: ME });
  assert.equal(direct.reply_to, 'false_6281234567890@c.us_3A0FIRST000000000001');
  assert.equal(quotedMessageId(msg('incoming_text'), ME), null);
});

test('location and contact card', () => {
  const loc = received(messageData(msg('incoming_location'), { me: ME }));
  assert.equal(loc.type, 'location');
  assert.deepEqual(loc.location, { latitude: -6.2088, longitude: 106.8456, name: 'Monas', address: 'Gambir, Jakarta Pusat' });
  assert.equal(loc.body, 'Monas\nGambir, Jakarta Pusat');
  const card = received(messageData(msg('incoming_vcard'), { me: ME }));
  assert.equal(card.type, 'contact');
  assert.equal(card.contact.name, 'Siti Aminah');
  assert.equal(card.contact.phone, '6281122334455');
  assert.match(card.body, /^BEGIN:VCARD/);
});

test('system messages and status broadcasts produce no event; unknown kinds are type unknown', () => {
  assert.equal(messageData(msg('e2e_notification'), { me: ME }), null);
  assert.equal(messageData(msg('status_broadcast'), { me: ME }), null);
  const poll = received(messageData(msg('poll'), { me: ME }));
  assert.equal(poll.type, 'unknown');
  assert.equal(poll.body, 'Lunch?');
});

test('acks pass through -1..4; reactions, edits and revokes keep the message id', () => {
  const out = msg('outgoing_from_phone');
  for (const ack of [-1, 0, 1, 2, 3, 4]) {
    assert.deepEqual(eventData(EventType.MESSAGE_ACK, ackData(out, ack)), { wa_message_id: 'true_6281234567890@c.us_3EB0C767D26A1D8B4C2F11', ack });
  }
  assert.equal(ackData(out, 7), null);
  const added = reactionData(new Reaction(null, reactions.added));
  assert.deepEqual(eventData(EventType.MESSAGE_REACTION, added), { wa_message_id: 'true_6281234567890@c.us_3EB0C767D26A1D8B4C2F11', from: '6281234567890@c.us', emoji: '👍' });
  assert.equal(reactionData(new Reaction(null, reactions.removed)).emoji, '');
  assert.deepEqual(editData(msg('incoming_text'), 'Halo, toko buka?'), { wa_message_id: 'false_6281234567890@c.us_3A5B7C9D1E2F3A4B5C6D', body: 'Halo, toko buka?' });
  assert.deepEqual(revokeData(msg('revoked'), msg('incoming_text')), { wa_message_id: 'false_6281234567890@c.us_3A5B7C9D1E2F3A4B5C6D' });
  assert.deepEqual(revokeData(msg('revoked'), undefined), { wa_message_id: 'false_6281234567890@c.us_3A5B7C9D1E2F3A4B5C6D' });
});

test('disconnect reasons map to statuses', () => {
  assert.equal(statusForDisconnect('LOGOUT'), 'logged_out');
  assert.equal(statusForDisconnect('UNPAIRED'), 'logged_out');
  assert.equal(statusForDisconnect('CONFLICT'), 'disconnected');
  assert.equal(statusForDisconnect('TIMEOUT'), 'disconnected');
});

test('change_state maps to statuses: reconnecting after ready, blocks fail, the rest is no change', () => {
  assert.deepEqual(statusForState('CONNECTED', { ready: true }), { status: 'connected', reason: null });
  assert.equal(statusForState('CONNECTED', { ready: false }), null); // `ready` reports it, with the phone
  assert.equal(statusForState('TIMEOUT', { ready: true }).status, 'disconnected');
  assert.equal(statusForState('OPENING', { ready: false }), null);
  assert.equal(statusForState('CONFLICT', { ready: true }).status, 'disconnected');
  for (const blocked of ['TOS_BLOCK', 'SMB_TOS_BLOCK', 'PROXYBLOCK', 'DEPRECATED_VERSION']) {
    const next = statusForState(blocked, { ready: true });
    assert.equal(next.status, 'failed');
    assert.match(next.reason, new RegExp(`^${blocked}`));
  }
  for (const quiet of ['UNPAIRED', 'UNPAIRED_IDLE', 'UNLAUNCHED', 'SOMETHING_NEW']) assert.equal(statusForState(quiet, { ready: true }), null);
});

test('page presence payloads become contact.presence and chat.typing only on change', () => {
  const id = '6281234567890@c.us';
  let prev;
  const seq = [
    { id, isOnline: true },
    { id, isOnline: true, chatstate: 'typing' },
    { id, isOnline: true, chatstate: 'typing' },
    { id, isOnline: true, chatstate: 'available' },
    { id, isOnline: false, chatstate: 'unavailable', t: 1732501000 },
  ];
  const out = [];
  for (const p of seq) {
    out.push(...presenceEvents(p, prev));
    prev = { ...prev, ...p };
  }
  assert.deepEqual(out, [
    ['presence', { chat_id: id, online: true, last_seen: null }],
    ['typing', { chat_id: id, from: id, state: 'typing' }],
    ['typing', { chat_id: id, from: id, state: 'paused' }],
    ['presence', { chat_id: id, online: false, last_seen: 1732501000 }],
  ]);
  assert.deepEqual(presenceEvents({ id: '120363@g.us', isOnline: true }), []);
});
