// The simulated WhatsApp network of one sandbox session: its customers (materialised on first
// contact), the messages it remembers (for replies, reactions, edits), the network log, and the
// seeded ids. Pure state: nothing here emits events or starts timers (engine.js and control.js do).
//
// Memory: an idle session holds a few small objects. Per-customer history and the network log are
// bounded ring buffers; the message index keeps the last INDEX_LIMIT messages.
import { invalidRequest } from '../../errors.js';
import { normalizeChatId } from '../../lib/chatid.js';
import { buildVcard, captionOf, locationDescription, MEDIA_TYPES } from '../../messages.js';

const LOG_LIMIT = 1000; // network log entries kept per session
export const HISTORY_LIMIT = 200; // per-customer received / typing / reaction entries kept
const INDEX_LIMIT = 5000; // messages remembered per session (for replies, reactions, edits)

export const pushBounded = (list, item, limit = HISTORY_LIMIT) => {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
};

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export class SandboxNetwork {
  constructor({ options }) {
    this.options = options;
    this.customers = null; // Map phone -> customer, created on first use
    this.index = new Map(); // wa_message_id -> {chat_id, from, type, fromMe}
    this.netLog = [];
    this.logSeq = 0;
    this.seq = 0; // orders a customer's messages, both ways
    this.rng = null; // set by the engine at each start (seeded by the session seed and generation)
  }

  log(kind, detail) {
    pushBounded(this.netLog, { seq: ++this.logSeq, at: Date.now() / 1000, kind, ...detail }, LOG_LIMIT);
  }

  customer(phone) {
    if (!this.customers) this.customers = new Map();
    let customer = this.customers.get(phone);
    if (!customer) {
      const known = this.options.customers.find((c) => c.phone === phone);
      customer = {
        phone,
        name: known?.name ?? null,
        online: false,
        last_seen: null,
        received: [],
        sent: [],
        seen_at: null,
        agent_typing: [],
        reactions: [],
      };
      this.customers.set(phone, customer);
    }
    return customer;
  }

  nextSeq() {
    return ++this.seq;
  }

  /** The customer's copy of one of our messages (index entry -> its `received` record), if still kept. */
  received(message) {
    const customer = this.customers?.get(message.chat_id.split('@')[0]);
    return customer?.received.find((m) => m.wa_message_id === message.id) ?? null;
  }

  /**
   * Remember a message for replies, reactions, edits and forwards: {chat_id, from, fromMe,
   * timestamp, content: {type, body, caption, media, location?, contact?}, revoked?}.
   */
  remember(waMessageId, entry) {
    this.index.set(waMessageId, entry);
    if (this.index.size > INDEX_LIMIT) this.index.delete(this.index.keys().next().value);
  }

  newMessageId(fromMe, chatId) {
    // WhatsApp Web's own ids start 3EB0; a phone's are longer uppercase hex.
    const id = fromMe ? `3EB0${this.rng.hex(18)}` : this.rng.hex(32);
    return `${fromMe}_${chatId}_${id}`;
  }

  /**
   * A customer's chat id (`<digits>@c.us`) from digits, a phone id or the LID a customer uses;
   * 400 for anything else.
   */
  customerChatId(value, field = 'from') {
    const chatId = normalizeChatId(value);
    const owner = chatId?.endsWith('@lid') ? this.lids?.get(chatId) : null;
    if (owner) return `${owner}@c.us`;
    if (!chatId || !chatId.endsWith('@c.us')) throw invalidRequest(`${field} must be a phone number, a @c.us id or a known customer's @lid`, { [field]: 'expected digits or 6281234567890@c.us' });
    return chatId;
  }

  /** The phone id of the customer who uses `lidId`, or null. */
  lidPhoneId(lidId) {
    const owner = this.lids?.get(lidId);
    return owner ? `${owner}@c.us` : null;
  }

  /** The customer now writes from `lidId` (a LID no other customer uses). */
  assignLid(customer, lidId) {
    this.lids ??= new Map();
    const owner = this.lids.get(lidId);
    if (owner && owner !== customer.phone) throw invalidRequest(`${lidId} belongs to another customer`, { lid: 'in use' });
    if (customer.lid && customer.lid !== lidId) {
      this.lids.delete(customer.lid);
      customer.lid_announced = false;
    }
    customer.lid = lidId;
    this.lids.set(lidId, customer.phone);
  }

  /**
   * chat_lid / chat_phone_id of a message in this customer's chat, sent over `wireId`: none before
   * they use a LID; then the LID, and the phone id once WhatsApp announced the mapping (or when the
   * message itself went to the phone id).
   */
  identityFields(customer, wireId) {
    if (!customer.lid) return {};
    const phoneId = `${customer.phone}@c.us`;
    return { chat_lid: customer.lid, ...(customer.lid_announced || wireId === phoneId ? { chat_phone_id: phoneId } : {}) };
  }

  /** Message content fields (type, body, caption, media, location?, contact?) of an agent's send. */
  async content(req, saveMedia) {
    const out = { type: req.type, body: '', caption: null, media: null };
    if (req.type === 'text') out.body = req.body;
    if (MEDIA_TYPES.has(req.type)) {
      out.caption = captionOf(req);
      out.media = await saveMedia(req.media);
    }
    if (req.type === 'location') {
      const { latitude, longitude, name = null, address = null } = req.location;
      out.location = { latitude, longitude, name, address };
      out.body = locationDescription(req.location);
    }
    if (req.type === 'contact') {
      const vcard = req.contact.vcard || buildVcard(req.contact);
      out.contact = { name: req.contact.name, phone: String(req.contact.phone).replace(/[^0-9]/g, ''), vcard };
      out.body = vcard;
    }
    return out;
  }
}
