// Pure conversions from whatsapp-web.js objects (Message, Reaction, page presence payloads) to
// our event data. Nothing here touches the client: unit-tested over recorded objects in
// test/fixtures/webjs/. whatsapp-web.js objects never travel past this module.
import { Ack, ReasonCode } from '../../contract/index.js';
import { parseVcard, locationDescription } from '../../messages.js';

// whatsapp-web.js MessageTypes -> ours.
const TYPE_MAP = {
  chat: 'text',
  image: 'image',
  video: 'video',
  audio: 'audio',
  ptt: 'voice',
  document: 'document',
  sticker: 'sticker',
  location: 'location',
  vcard: 'contact',
  multi_vcard: 'contact',
  revoked: 'revoked',
};

// Page-internal messages that are not something a person sent: no event at all.
const IGNORED_TYPES = new Set([
  'e2e_notification', 'notification', 'notification_template', 'gp2', 'protocol', 'call_log',
  'ciphertext', 'reaction', 'broadcast_notification', 'debug', 'oversized',
]);

const CAPTIONED = new Set(['image', 'video', 'document']);

const serialized = (v) => (v && typeof v === 'object' ? v._serialized ?? null : v ?? null);

/** Our message type for a whatsapp-web.js message, or null when it should produce no event. */
export function messageType(msg) {
  if (IGNORED_TYPES.has(msg.type)) return null;
  if (msg.isStatus || msg.id?.remote === 'status@broadcast' || msg.broadcast) return null;
  return TYPE_MAP[msg.type] ?? 'unknown';
}

/**
 * The serialized id of the message a reply quotes, built like WhatsApp Web's MsgKey:
 * `${fromMe}_${chat}_${stanzaId}` (plus `_${participant}` for someone else's message in a group).
 */
export function quotedMessageId(msg, me) {
  const data = msg._data || {};
  if (!msg.hasQuotedMsg || !data.quotedStanzaID) return null;
  const chat = serialized(data.quotedRemoteJid) || (msg.fromMe ? msg.to : msg.from);
  const participant = serialized(data.quotedParticipant);
  const fromMe = Boolean(me && participant && participant === me);
  const base = `${fromMe}_${chat}_${data.quotedStanzaID}`;
  return chat.endsWith('@g.us') && participant && !fromMe ? `${base}_${participant}` : base;
}

/**
 * data of message.received / message.created.
 * @param {object} msg  a whatsapp-web.js Message
 * @param {{me?: string, clientId?: string|null, media?: object|null}} ctx  me: our own serialized id;
 *   media: {id, mimetype, filename, size} once downloaded (null id when the download failed)
 */
export function messageData(msg, { me = null, clientId = null, media } = {}) {
  const type = messageType(msg);
  if (!type) return null;
  const data = msg._data || {};
  const chatId = msg.fromMe ? msg.to : msg.from;
  const out = {
    wa_message_id: msg.id._serialized,
    chat_id: chatId,
    from: msg.fromMe ? (me || msg.from) : (msg.author || msg.from),
    from_name: msg.fromMe ? null : (data.notifyName || data.pushname || null),
    to: msg.to,
    type,
    body: '',
    caption: null,
    media: null,
    reply_to: quotedMessageId(msg, me),
    timestamp: msg.timestamp,
    client_id: clientId ?? null,
    forwarded: msg.isForwarded ? true : undefined,
  };
  if (type === 'text' || type === 'unknown') out.body = msg.body || '';
  if (msg.hasMedia) {
    out.media = media ?? {
      id: null,
      mimetype: data.mimetype ?? null,
      filename: data.filename ?? null,
      size: data.size ?? null,
    };
    if (CAPTIONED.has(type)) out.caption = data.caption || msg.body || null;
  }
  if (type === 'location' && msg.location) {
    out.location = {
      latitude: msg.location.latitude,
      longitude: msg.location.longitude,
      name: msg.location.name ?? null,
      address: msg.location.address ?? null,
    };
    out.body = locationDescription(out.location);
  }
  if (type === 'contact') {
    const vcard = msg.vCards?.[0] ?? msg.body ?? '';
    const card = parseVcard(vcard);
    out.contact = { name: card.name, phone: card.phone, vcard };
    out.body = vcard;
  }
  return out;
}

/** message_ack(msg, ack) -> message.ack data; ack values pass through (-1..4). */
export function ackData(msg, ack) {
  if (!Number.isInteger(ack) || ack < Ack.ERROR || ack > Ack.PLAYED) return null;
  return { wa_message_id: msg.id._serialized, ack };
}

/** message_reaction(reaction) -> message.reaction data ("" = removed). */
export function reactionData(reaction) {
  return {
    wa_message_id: serialized(reaction.msgId),
    from: serialized(reaction.senderId),
    emoji: reaction.reaction ?? '',
  };
}

/** message_edit(msg, newBody, prevBody) -> message.edited data. */
export function editData(msg, newBody) {
  return { wa_message_id: msg.id._serialized, body: newBody ?? msg.body ?? '' };
}

/** message_revoke_everyone(msg, revokedMsg) -> message.revoked data (the id of the message that was deleted). */
export function revokeData(msg, revokedMsg) {
  return { wa_message_id: revokedMsg?.id?._serialized ?? msg.id._serialized };
}

/**
 * change_state(state) -> the status it means for a session, or null for "no change of ours".
 * `ready`: the client has been ready since its launch (CONNECTED before ready is not connected yet:
 * `ready` reports that, with the phone). UNPAIRED*: whatsapp-web.js follows with `disconnected`,
 * which logs the session out. OPENING/PAIRING/TIMEOUT after ready: the link to WhatsApp's servers
 * dropped and the page is reconnecting by itself.
 */
export function statusForState(state, { ready }) {
  switch (state) {
    case 'CONNECTED':
      return ready ? { status: 'connected', reason: null } : null;
    case 'OPENING':
    case 'PAIRING':
    case 'TIMEOUT':
      return ready ? { status: 'disconnected', reason: `reconnecting: ${state}` } : null;
    case 'CONFLICT':
      return { status: 'disconnected', reason: 'CONFLICT: WhatsApp Web is open on another computer' };
    case 'TOS_BLOCK':
    case 'SMB_TOS_BLOCK':
      return { status: 'failed', reason: `${state}: this number was blocked by WhatsApp` };
    case 'PROXYBLOCK':
      return { status: 'failed', reason: 'PROXYBLOCK: WhatsApp refused the network this bridge uses' };
    case 'DEPRECATED_VERSION':
      return { status: 'failed', reason: 'DEPRECATED_VERSION: WhatsApp Web refused this client version' };
    default:
      return null;
  }
}

/** Our status for a `disconnected` reason (a WAState or "LOGOUT"). */
export function statusForDisconnect(reason) {
  return reason === 'LOGOUT' || reason === 'UNPAIRED' || reason === 'UNPAIRED_IDLE' ? 'logged_out' : 'disconnected';
}

/**
 * A presence payload from the listener injected into the page -> our events.
 * payload: {id: "628...@c.us", isOnline: bool|undefined, chatstate: "typing"|"recording"|"available"|"unavailable"|undefined, t}
 * prev: the previous payload for the same id (or undefined). Returns [["presence" | "typing", data], ...].
 */
export function presenceEvents(payload, prev = {}) {
  const out = [];
  if (!payload?.id || !/@c\.us$/.test(payload.id)) return out;
  if (payload.isOnline !== undefined && payload.isOnline !== prev.isOnline) {
    out.push(['presence', { chat_id: payload.id, online: Boolean(payload.isOnline), last_seen: payload.isOnline ? null : (payload.t ?? null) }]);
  }
  const state = payload.chatstate === 'typing' ? 'typing' : payload.chatstate === 'recording' ? 'recording' : 'paused';
  const prevState = prev.chatstate === 'typing' ? 'typing' : prev.chatstate === 'recording' ? 'recording' : 'paused';
  if (payload.chatstate !== undefined && state !== prevState) {
    out.push(['typing', { chat_id: payload.id, from: payload.id, state }]);
  }
  return out;
}

// A raw reason (ours or whatsapp-web.js's) -> the contract's reason_code. Order matters: a proxy
// error mentions a connection too.
const REASON_CODES = [
  [/PROXYBLOCK|ERR_PROXY|ERR_TUNNEL/, ReasonCode.PROXY_BLOCKED],
  [/ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED|ERR_CONNECTION|ERR_ADDRESS_UNREACHABLE|ERR_NETWORK|ERR_TIMED_OUT|ENOTFOUND|ECONNREFUSED|EAI_AGAIN/, ReasonCode.NETWORK_UNREACHABLE],
  [/did not load within|no QR and no connection within|Navigation timeout/, ReasonCode.PAGE_LOAD_TIMEOUT],
  [/creating the WhatsApp client failed|Failed to launch the browser|Browser was not found|Could not find Chrom|ENOENT|Target closed|Protocol error/i, ReasonCode.BROWSER_FAILED],
  [/^auth_failure/, ReasonCode.AUTH_FAILURE],
  [/TOS_BLOCK/, ReasonCode.BANNED],
  [/DEPRECATED_VERSION/, ReasonCode.VERSION_REFUSED],
  [/CONFLICT/, ReasonCode.CONFLICT],
  [/^disconnected: (LOGOUT|UNPAIRED)/, ReasonCode.LOGGED_OUT_FROM_PHONE],
  [/^reconnecting/, ReasonCode.RECONNECTING],
  [/^disconnected/, ReasonCode.CONNECTION_LOST],
  [/^authenticated, loading chats/, ReasonCode.LOADING_CHATS],
  [/^logged out$/, ReasonCode.LOGGED_OUT],
];

/** session.status reason_code for a raw `reason` (null without a reason; `unknown` when none fits). */
export function reasonCodeFor(reason) {
  if (!reason) return null;
  for (const [pattern, code] of REASON_CODES) if (pattern.test(reason)) return code;
  return ReasonCode.UNKNOWN;
}
