// The one catalogue of webhook event types (bridge -> Django). Nothing else spells an event name:
// engines call the builders below, which reject an undeclared or missing field at construction
// (like Zulip's event_types.py), so a payload can never drift from docs/bridge.md.

export const EventType = Object.freeze({
  SESSION_QR: 'session.qr',
  SESSION_STATUS: 'session.status',
  MESSAGE_RECEIVED: 'message.received',
  MESSAGE_CREATED: 'message.created',
  MESSAGE_ACK: 'message.ack',
  MESSAGE_REACTION: 'message.reaction',
  MESSAGE_EDITED: 'message.edited',
  MESSAGE_REVOKED: 'message.revoked',
  CHAT_TYPING: 'chat.typing',
  CONTACT_PRESENCE: 'contact.presence',
});

export const EVENT_TYPES = Object.freeze(Object.values(EventType));

/** Session status words: the same word in the bridge, Django, the API and the UI. */
export const SessionStatus = Object.freeze({
  STARTING: 'starting',
  QR: 'qr',
  CONNECTED: 'connected',
  DISCONNECTED: 'disconnected',
  FAILED: 'failed',
  LOGGED_OUT: 'logged_out',
});

export const SESSION_STATUSES = Object.freeze(Object.values(SessionStatus));

/** whatsapp-web.js MessageAck values, passed through unchanged. */
export const Ack = Object.freeze({ ERROR: -1, PENDING: 0, SERVER: 1, DEVICE: 2, READ: 3, PLAYED: 4 });

export const MESSAGE_TYPES = Object.freeze([
  'text', 'image', 'video', 'audio', 'voice', 'document', 'sticker', 'location', 'contact', 'revoked', 'unknown',
]);

export const TYPING_STATES = Object.freeze(['typing', 'recording', 'paused']);

const MESSAGE_FIELDS = {
  required: ['wa_message_id', 'chat_id', 'from', 'from_name', 'to', 'type', 'body', 'caption', 'media', 'reply_to', 'timestamp', 'client_id'],
  optional: ['location', 'contact'],
};

// Fields of `data` per type: required ones must be present (null allowed), optional ones may be.
const SCHEMAS = {
  [EventType.SESSION_QR]: { required: ['qr', 'qr_data_url'], optional: [] },
  [EventType.SESSION_STATUS]: { required: ['status', 'phone', 'reason'], optional: [] },
  [EventType.MESSAGE_RECEIVED]: MESSAGE_FIELDS,
  [EventType.MESSAGE_CREATED]: MESSAGE_FIELDS,
  [EventType.MESSAGE_ACK]: { required: ['wa_message_id', 'ack'], optional: [] },
  [EventType.MESSAGE_REACTION]: { required: ['wa_message_id', 'from', 'emoji'], optional: [] },
  [EventType.MESSAGE_EDITED]: { required: ['wa_message_id', 'body'], optional: [] },
  [EventType.MESSAGE_REVOKED]: { required: ['wa_message_id'], optional: [] },
  [EventType.CHAT_TYPING]: { required: ['chat_id', 'from', 'state'], optional: [] },
  [EventType.CONTACT_PRESENCE]: { required: ['chat_id', 'online', 'last_seen'], optional: [] },
};

const CHECKS = {
  [EventType.SESSION_STATUS]: (d) => SESSION_STATUSES.includes(d.status) || `unknown status ${d.status}`,
  [EventType.MESSAGE_ACK]: (d) => (Number.isInteger(d.ack) && d.ack >= -1 && d.ack <= 4) || `ack out of range: ${d.ack}`,
  [EventType.CHAT_TYPING]: (d) => TYPING_STATES.includes(d.state) || `unknown typing state ${d.state}`,
  [EventType.MESSAGE_RECEIVED]: (d) => MESSAGE_TYPES.includes(d.type) || `unknown message type ${d.type}`,
  [EventType.MESSAGE_CREATED]: (d) => MESSAGE_TYPES.includes(d.type) || `unknown message type ${d.type}`,
  [EventType.MESSAGE_REACTION]: (d) => typeof d.emoji === 'string' || 'emoji must be a string ("" removes)',
};

export class EventShapeError extends Error {}

/**
 * Validate `data` for `type` and return a new plain object with the declared fields only, in
 * declaration order. Throws EventShapeError on an unknown type, a missing or an undeclared field.
 */
export function eventData(type, data) {
  const schema = SCHEMAS[type];
  if (!schema) throw new EventShapeError(`unknown event type ${type}`);
  const allowed = new Set([...schema.required, ...schema.optional]);
  for (const key of Object.keys(data)) {
    if (!allowed.has(key)) throw new EventShapeError(`${type}: undeclared field ${key}`);
  }
  const out = {};
  for (const key of schema.required) {
    if (!(key in data) || data[key] === undefined) throw new EventShapeError(`${type}: missing field ${key}`);
    out[key] = data[key];
  }
  for (const key of schema.optional) {
    if (data[key] !== undefined) out[key] = data[key];
  }
  const check = CHECKS[type]?.(out);
  if (check !== undefined && check !== true) throw new EventShapeError(`${type}: ${check}`);
  return out;
}

/** The webhook body Django receives. occurred_at: epoch seconds (float, millisecond precision). */
export function buildEnvelope({ type, sessionId, workspace, data, occurredAt = Date.now() }) {
  return {
    type,
    session_id: sessionId,
    workspace,
    occurred_at: occurredAt / 1000,
    data: eventData(type, data),
  };
}

// Builders: the engines call these rather than spelling a type.
export const events = {
  sessionQr: ({ qr, qr_data_url }) => [EventType.SESSION_QR, { qr, qr_data_url }],
  sessionStatus: ({ status, phone = null, reason = null }) => [EventType.SESSION_STATUS, { status, phone, reason }],
  messageReceived: (message) => [EventType.MESSAGE_RECEIVED, message],
  messageCreated: (message) => [EventType.MESSAGE_CREATED, message],
  messageAck: ({ wa_message_id, ack }) => [EventType.MESSAGE_ACK, { wa_message_id, ack }],
  messageReaction: ({ wa_message_id, from, emoji }) => [EventType.MESSAGE_REACTION, { wa_message_id, from, emoji }],
  messageEdited: ({ wa_message_id, body }) => [EventType.MESSAGE_EDITED, { wa_message_id, body }],
  messageRevoked: ({ wa_message_id }) => [EventType.MESSAGE_REVOKED, { wa_message_id }],
  chatTyping: ({ chat_id, from, state }) => [EventType.CHAT_TYPING, { chat_id, from, state }],
  contactPresence: ({ chat_id, online, last_seen = null }) => [EventType.CONTACT_PRESENCE, { chat_id, online, last_seen }],
};
