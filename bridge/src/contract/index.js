// The bridge contract's vocabulary and event shapes, read from events.json: the one source that
// Django reads too (sessions_wa/contract.py). Nothing else spells an event name: engines call the
// builders below, which reject an undeclared, missing or ill-typed field at construction (like
// Zulip's event_types.py), so a payload can never drift from the contract.

import { readFileSync } from 'node:fs';
import Ajv from 'ajv';

export const CONTRACT = Object.freeze(JSON.parse(readFileSync(new URL('./events.json', import.meta.url), 'utf8')));

const constantName = (word) => word.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
const constants = (words) => Object.freeze(Object.fromEntries(words.map((word) => [constantName(word), word])));

// Every event's schema: `events` (Django handles them) and `optional_events` (not yet: queued only
// when BRIDGE_OPTIONAL_EVENTS names them). Django's sessions_wa/contract.py reads `events` only.
const SCHEMAS = Object.freeze({ ...CONTRACT.events, ...CONTRACT.optional_events });

/** Event type names, as constants: EventType.MESSAGE_ACK is the name of the ack event. */
export const EventType = constants(Object.keys(SCHEMAS));
/** Every event type the bridge can emit, optional ones included. */
export const EVENT_TYPES = Object.freeze(Object.keys(SCHEMAS));

/** Session status words: the same word in the bridge, Django, the API and the UI. */
export const SessionStatus = constants(CONTRACT.session_statuses);
export const SESSION_STATUSES = Object.freeze([...CONTRACT.session_statuses]);

/** whatsapp-web.js MessageAck values, passed through unchanged. */
export const Ack = Object.freeze({ ...CONTRACT.acks });

export const MESSAGE_TYPES = Object.freeze([...CONTRACT.message_types]);

/** session.status reason_code values: ReasonCode.NETWORK_UNREACHABLE is 'network_unreachable'. */
export const ReasonCode = constants(CONTRACT.status_reason_codes);

/** Event types emitted only when BRIDGE_OPTIONAL_EVENTS names them (Django must handle them first). */
export const OPTIONAL_EVENTS = Object.freeze(Object.keys(CONTRACT.optional_events));

/** Bodies POSTed to Django that are not one session event: NodeMessageType.NODE_HEARTBEAT, .BATCH. */
export const NodeMessageType = constants(Object.keys(CONTRACT.node_messages).filter((k) => !k.startsWith('$')));
export const TYPING_STATES = Object.freeze([...CONTRACT.typing_states]);

export class EventShapeError extends Error {}

const ajv = new Ajv({ allErrors: false, strict: true, allowUnionTypes: true });
const VALIDATORS = Object.fromEntries(
  Object.entries(SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]),
);

function describe(type, error) {
  if (error.keyword === 'required') return `${type}: missing field ${error.params.missingProperty}`;
  if (error.keyword === 'additionalProperties') {
    return `${type}: undeclared field ${error.instancePath.slice(1).replaceAll('/', '.')}${error.instancePath ? '.' : ''}${error.params.additionalProperty}`;
  }
  const where = error.instancePath.slice(1).replaceAll('/', '.') || 'data';
  const allowed = error.params?.allowedValues ? ` (${error.params.allowedValues.join(', ')})` : '';
  return `${type}: ${where} ${error.message}${allowed}`;
}

/**
 * Validate `data` for `type` against its schema in events.json and return a new plain object
 * with the declared fields only, in declaration order. Throws EventShapeError on an unknown type,
 * a missing, undeclared or ill-typed field.
 */
export function eventData(type, data) {
  const validate = VALIDATORS[type];
  if (!validate) throw new EventShapeError(`unknown event type ${type}`);
  const copy = Object.fromEntries(Object.entries(data).filter(([, value]) => value !== undefined));
  if (!validate(copy)) throw new EventShapeError(describe(type, validate.errors[0]));
  const out = {};
  for (const key of Object.keys(SCHEMAS[type].properties)) {
    if (key in copy) out[key] = copy[key];
  }
  return out;
}

const NODE_VALIDATORS = Object.fromEntries(
  Object.entries(CONTRACT.node_messages).filter(([k]) => !k.startsWith('$')).map(([type, schema]) => [type, ajv.compile(schema)]),
);

/** A node message (node.heartbeat, batch) checked against its schema in events.json; throws EventShapeError. */
export function nodeMessage(body) {
  const validate = NODE_VALIDATORS[body.type];
  if (!validate) throw new EventShapeError(`unknown node message ${body.type}`);
  if (!validate(body)) throw new EventShapeError(describe(body.type, validate.errors[0]));
  return body;
}

/**
 * The webhook body Django receives. occurred_at: epoch seconds (float, millisecond precision).
 * node_id and epoch (scale-out fencing) are added when given.
 */
export function buildEnvelope({ type, sessionId, workspace, data, nodeId, epoch, occurredAt = Date.now() }) {
  const envelope = { type, session_id: sessionId, workspace };
  if (nodeId !== undefined) envelope.node_id = nodeId;
  if (epoch !== undefined) envelope.epoch = epoch;
  envelope.occurred_at = occurredAt / 1000;
  envelope.data = eventData(type, data);
  return envelope;
}

// Builders: the engines call these rather than spelling a type.
export const events = {
  sessionQr: ({ qr, qr_data_url }) => [EventType.SESSION_QR, { qr, qr_data_url }],
  sessionStatus: ({ status, phone = null, reason = null, reason_code }) => [EventType.SESSION_STATUS, { status, phone, reason, reason_code: reason_code ?? undefined }],
  sessionPairingCode: ({ code }) => [EventType.SESSION_PAIRING_CODE, { code }],
  messageReceived: (message) => [EventType.MESSAGE_RECEIVED, message],
  messageCreated: (message) => [EventType.MESSAGE_CREATED, message],
  messageAck: ({ wa_message_id, ack }) => [EventType.MESSAGE_ACK, { wa_message_id, ack }],
  messageReaction: ({ wa_message_id, from, emoji }) => [EventType.MESSAGE_REACTION, { wa_message_id, from, emoji }],
  messageEdited: ({ wa_message_id, body }) => [EventType.MESSAGE_EDITED, { wa_message_id, body }],
  messageRevoked: ({ wa_message_id }) => [EventType.MESSAGE_REVOKED, { wa_message_id }],
  chatTyping: ({ chat_id, from, state }) => [EventType.CHAT_TYPING, { chat_id, from, state }],
  contactPresence: ({ chat_id, online, last_seen = null }) => [EventType.CONTACT_PRESENCE, { chat_id, online, last_seen }],
  chatUnread: ({ chat_id, unread_count }) => [EventType.CHAT_UNREAD, { chat_id, unread_count }],
  contactIdentity: ({ lid, phone_id }) => [EventType.CONTACT_IDENTITY, { lid, phone_id }],
};
