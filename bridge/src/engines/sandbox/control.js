// The customers' side of a sandbox session: the control routes (/sandbox/sessions/:id/...) act as
// the simulated customers (write, type, go online, react, edit, delete) and the owner's phone; the
// observation routes show what they saw. Auto-replies and greetings go through customerWrites().
import { events } from '../../contract/index.js';
import { invalidRequest, messageNotFound } from '../../errors.js';
import { phoneOf } from '../../lib/chatid.js';
import { buildVcard, locationDescription, MEDIA_TYPES } from '../../messages.js';
import { nowSeconds, pushBounded } from './network.js';
import { loadSample } from './samples.js';

export class SandboxControl {
  /** @param {import('./engine.js').SandboxEngine} engine */
  constructor(engine) {
    this.engine = engine;
    this.network = engine.network;
  }

  get ctx() {
    return this.engine.ctx;
  }

  #requireConnected() {
    this.engine.assertConnected();
  }

  async presenceOf(customer, online) {
    customer.online = online;
    if (!online) customer.last_seen = nowSeconds();
    const chatId = `${customer.phone}@c.us`;
    await this.ctx.emit(...events.contactPresence({ chat_id: chatId, online, last_seen: online ? null : customer.last_seen }));
    this.network.log('presence', { chat_id: chatId, online });
  }

  async typingOf(customer, state) {
    const chatId = `${customer.phone}@c.us`;
    await this.ctx.emit(...events.chatTyping({ chat_id: chatId, from: chatId, state }));
    this.network.log('typing', { chat_id: chatId, state });
  }

  /** The customer goes online, types for auto_reply_typing_ms, sends `text`, goes offline. */
  customerWrites(customer, text, onSent = () => {}) {
    const { engine } = this;
    const chatId = `${customer.phone}@c.us`;
    const typingMs = engine.options.auto_reply_typing_ms;
    const step = Math.min(300, typingMs);
    const run = engine.run;
    engine.after(0, async () => {
      await this.presenceOf(customer, true);
      engine.after(step, async () => {
        await this.typingOf(customer, 'typing');
        engine.after(typingMs, async () => {
          await this.typingOf(customer, 'paused');
          await this.#inbound({ from: chatId, type: 'text', body: text });
          onSent();
          engine.after(step * 3, () => this.presenceOf(customer, false), run);
        }, run);
      }, run);
    }, run);
  }

  /**
   * POST /sandbox/sessions/:id/inbound: a customer sends a message; emits message.received. While
   * the session is offline (paired, link down) the message waits "on WhatsApp's servers" (on disk)
   * and arrives as history when it is back online: {wa_message_id, held: true}.
   */
  async inbound(req) {
    const { engine } = this;
    if (engine.state.offline && engine.state.paired) return this.#hold(await this.#prepare(req));
    this.#requireConnected();
    return this.#inbound(req);
  }

  async #inbound(req) {
    const prepared = await this.#prepare(req);
    await this.#deliver(prepared);
    return { wa_message_id: prepared.data.wa_message_id };
  }

  /** message.received data for a customer's message (media saved, the id taken). */
  async #prepare(req) {
    const { network } = this;
    const chatId = network.customerChatId(req.from);
    const customer = network.customer(phoneOf(chatId));
    if (req.name) customer.name = req.name;
    const type = req.type || 'text';
    const content = { type, body: '', caption: null, media: null };
    const fields = {};
    if (type === 'text') {
      if (!req.body) fields.body = 'required for text messages';
      content.body = req.body ?? '';
    }
    if (MEDIA_TYPES.has(type)) {
      const media = await this.#inboundMedia(type, req.media);
      content.media = await this.ctx.media.save(this.engine.id, media);
      content.caption = type === 'voice' || type === 'audio' || type === 'sticker' ? null : (req.caption ?? req.body ?? null);
    }
    if (type === 'location') {
      if (!req.location) fields.location = 'required for location messages';
      else {
        const { latitude, longitude, name = null, address = null } = req.location;
        content.location = { latitude, longitude, name, address };
        content.body = locationDescription(req.location);
      }
    }
    if (type === 'contact') {
      if (!req.contact) fields.contact = 'required for contact messages';
      else {
        const vcard = buildVcard(req.contact);
        content.contact = { name: req.contact.name, phone: String(req.contact.phone).replace(/[^0-9]/g, ''), vcard };
        content.body = vcard;
      }
    }
    if (Object.keys(fields).length) throw invalidRequest('the message is missing parts its type needs', fields);
    // A customer switched to LID addressing writes from their LID (the id WhatsApp uses).
    const wireId = customer.lid ?? chatId;
    const data = {
      wa_message_id: network.newMessageId(false, wireId),
      chat_id: wireId,
      from: wireId,
      from_name: customer.name,
      to: this.engine.ownId,
      ...content,
      reply_to: req.reply_to ?? null,
      timestamp: nowSeconds(),
      client_id: null,
      // The customer forwarded it (WhatsApp's "Forwarded" mark).
      forwarded: req.forwarded ? true : undefined,
      ...network.identityFields(customer, wireId),
    };
    return { data, phone: customer.phone };
  }

  /** Emit a prepared message (`history`: it arrived while the session was offline) and show it on the customer's phone. */
  async #deliver({ data, phone }, { history = false, kv } = {}) {
    const { network } = this;
    const customer = network.customer(phone);
    await this.ctx.emit(...events.messageReceived(history ? { ...data, history: true } : data), { kv });
    const { wa_message_id: waMessageId, chat_id: chatId, type, body, caption, media, location = null, contact = null, reply_to: replyTo, timestamp } = data;
    const content = { type, body, caption, media, ...(location ? { location } : {}), ...(contact ? { contact } : {}) };
    network.remember(waMessageId, { chat_id: `${phone}@c.us`, wire_id: chatId, from: `${phone}@c.us`, fromMe: false, timestamp, content });
    pushBounded(customer.sent, {
      wa_message_id: waMessageId, type, body, caption, media, location, contact,
      reply_to: replyTo, timestamp, forwarded: Boolean(data.forwarded), edited: false, revoked: false, seq: network.nextSeq(),
    });
    network.log('message', { direction: 'in', wa_message_id: waMessageId, from: chatId, type, body, ...(history ? { history } : {}) });
  }

  async #hold(prepared) {
    const seq = (this.engine.state.held_seq ?? 0) + 1;
    this.engine.state.held_seq = seq;
    await this.ctx.saveState({ held_seq: seq });
    const key = `held:${String(seq).padStart(12, '0')}`;
    await this.ctx.kv.put(key, prepared);
    this.network.log('held', { wa_message_id: prepared.data.wa_message_id, from: prepared.data.from });
    return { wa_message_id: prepared.data.wa_message_id, held: true };
  }

  /**
   * Back online: what customers wrote meanwhile, in order, as message.received history: true (each
   * removed from disk in its event's transaction), then chat.unread for each of those chats.
   */
  async deliverHeld() {
    const unread = new Map();
    for (const [key, prepared] of this.ctx.kv.entries()) {
      if (!key.startsWith('held:')) continue;
      await this.#deliver(prepared, { history: true, kv: [['remove', key]] });
      unread.set(prepared.data.chat_id, (unread.get(prepared.data.chat_id) ?? 0) + 1);
    }
    for (const [chatId, count] of unread) await this.ctx.emit(...events.chatUnread({ chat_id: chatId, unread_count: count }));
  }

  /** POST /sandbox/sessions/:id/offline and /online. */
  async offline() {
    if (!this.engine.state.paired) this.#requireConnected();
    await this.engine.goOffline();
    return this.engine.toJSON();
  }

  async online() {
    await this.engine.goOnline();
    return this.engine.toJSON();
  }

  /**
   * POST /sandbox/sessions/:id/lid: the customer `from` switches to LID addressing (`lid`, else a
   * generated one): their next messages come from <lid>@lid. `announce`: WhatsApp tells the
   * mapping at once (contact.identity, and chat_phone_id on their messages); else not yet (their
   * messages carry the LID only) until a later call with announce: true.
   */
  async lid({ from, lid, announce = false }) {
    this.#requireConnected();
    const customer = this.network.customer(phoneOf(this.network.customerChatId(from)));
    const lidId = `${lid ?? customer.lid?.split('@')[0] ?? this.network.rng.digits(15)}@lid`;
    this.network.assignLid(customer, lidId);
    if (announce && !customer.lid_announced) {
      customer.lid_announced = true;
      await this.ctx.emit(...events.contactIdentity({ lid: lidId, phone_id: `${customer.phone}@c.us` }));
    }
    this.network.log('lid', { phone: customer.phone, lid: lidId, announced: Boolean(customer.lid_announced) });
    return { phone: customer.phone, lid: lidId, announced: Boolean(customer.lid_announced) };
  }

  async #inboundMedia(type, media) {
    if (media === undefined || media === null) return loadSample(type);
    if (typeof media === 'string') {
      const kind = media.startsWith('sample:') ? media.slice('sample:'.length) : null;
      if (!kind) throw invalidRequest('media must be "sample:<kind>" or {data, mimetype, filename}', { media: 'unknown sample' });
      return loadSample(kind);
    }
    const data = Buffer.from(media.data, 'base64');
    if (!data.length) throw invalidRequest('media.data is empty or not base64', { 'media.data': 'base64 bytes' });
    return { data, mimetype: media.mimetype, filename: media.filename };
  }

  /** POST /sandbox/sessions/:id/typing */
  async typing({ from, state }) {
    this.#requireConnected();
    await this.typingOf(this.network.customer(phoneOf(this.network.customerChatId(from))), state);
  }

  /** POST /sandbox/sessions/:id/presence */
  async presence({ from, online }) {
    this.#requireConnected();
    await this.presenceOf(this.network.customer(phoneOf(this.network.customerChatId(from))), online);
  }

  /** POST /sandbox/sessions/:id/reactions: a customer reacts to any message of their chat ("" removes). */
  async customerReact({ from, wa_message_id: waMessageId, emoji }) {
    this.#requireConnected();
    const chatId = this.network.customerChatId(from);
    const message = this.network.index.get(waMessageId);
    if (!message || message.chat_id !== chatId) throw messageNotFound(waMessageId);
    await this.ctx.emit(...events.messageReaction({ wa_message_id: waMessageId, from: chatId, emoji }));
    this.network.log('reaction', { wa_message_id: waMessageId, from: chatId, emoji });
  }

  #ownInbound(from, waMessageId) {
    const chatId = this.network.customerChatId(from);
    const message = this.network.index.get(waMessageId);
    if (!message || message.from !== chatId) throw messageNotFound(waMessageId);
    return { chatId, message };
  }

  /** POST /sandbox/sessions/:id/edit: a customer edits one of their own text messages. */
  async edit({ from, wa_message_id: waMessageId, body }) {
    this.#requireConnected();
    const { chatId, message } = this.#ownInbound(from, waMessageId);
    message.content = { ...message.content, body };
    const own = this.#sentRecord(chatId, waMessageId);
    if (own) Object.assign(own, { body, edited: true });
    await this.ctx.emit(...events.messageEdited({ wa_message_id: waMessageId, body }));
    this.network.log('edit', { wa_message_id: waMessageId, from: chatId, body });
  }

  /** POST /sandbox/sessions/:id/revoke: a customer deletes one of their messages for everyone. */
  async revoke({ from, wa_message_id: waMessageId }) {
    this.#requireConnected();
    const { chatId, message } = this.#ownInbound(from, waMessageId);
    message.revoked = true;
    const own = this.#sentRecord(chatId, waMessageId);
    if (own) Object.assign(own, { type: 'revoked', body: '', caption: null, media: null, location: null, contact: null, revoked: true });
    await this.ctx.emit(...events.messageRevoked({ wa_message_id: waMessageId }));
    this.network.log('revoke', { wa_message_id: waMessageId, from: chatId });
  }

  /** POST /sandbox/sessions/:id/phone-message: the owner types on the phone -> message.created, client_id null. */
  async phoneMessage({ to, body }) {
    this.#requireConnected();
    const chatId = this.network.customerChatId(to, 'to');
    return this.engine.deliverToCustomer({ req: { to: chatId, type: 'text', body }, clientId: null });
  }

  /** GET /sandbox/sessions/:id/customers/:phone: what this customer saw. */
  customerView(value) {
    const phone = phoneOf(this.network.customerChatId(value, 'phone'));
    const customer = this.network.customers?.get(phone) ?? this.network.customer(phone);
    const { phone: p, name, online, last_seen, received, seen_at, agent_typing, reactions } = customer;
    return { phone: p, name, online, last_seen, received: received.map(({ seq, ...m }) => m), seen_at, agent_typing, reactions };
  }

  #sentRecord(chatId, waMessageId) {
    return this.network.customers?.get(phoneOf(chatId))?.sent.find((m) => m.wa_message_id === waMessageId) ?? null;
  }

  /**
   * GET /sandbox/sessions/:id/customers/:phone/messages: the conversation as this customer's phone
   * shows it, oldest first: what they received (`direction: "in"`) and sent (`"out"`), edits and
   * deletions applied (a deleted message: type revoked, no content), forwarded ones marked. A
   * private note never reaches it: the proof that it did not.
   */
  customerMessages(value) {
    const phone = phoneOf(this.network.customerChatId(value, 'phone'));
    const customer = this.network.customers?.get(phone);
    if (!customer) return { phone, messages: [] };
    const view = (m, direction) => ({
      wa_message_id: m.wa_message_id,
      direction,
      type: m.type,
      body: m.body,
      caption: m.caption,
      media: m.media,
      location: m.location ?? null,
      contact: m.contact ?? null,
      reply_to: m.reply_to,
      timestamp: m.timestamp,
      forwarded: Boolean(m.forwarded),
      edited: m.edited,
      revoked: m.revoked,
      ack: direction === 'in' ? m.ack : null,
      seq: m.seq,
    });
    const messages = [...customer.received.map((m) => view(m, 'in')), ...customer.sent.map((m) => view(m, 'out'))]
      .sort((a, b) => a.seq - b.seq)
      .map(({ seq, ...m }) => m);
    return { phone, messages };
  }

  /** GET /sandbox/sessions/:id/log: everything the simulated network saw, in order (last 1000). */
  networkLog() {
    return { entries: this.network.netLog };
  }
}
