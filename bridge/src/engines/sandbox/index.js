// The sandbox engine: a simulated WhatsApp network for demos, onboarding, CRM developers and every
// automated test. A QR that scans itself, virtual customers who receive messages, ack them after
// per-session delays (or fail, for numbers configured to fail), read receipts, typing and
// presence, optional auto-replies, media both ways. All ids and choices come from a seeded PRNG
// (seeded by the session's seed and its start generation, so ids never repeat across restarts).
//
// Memory: an idle session holds a few small objects and no timers. Customers are materialised on
// first contact; per-customer history and the network log are bounded ring buffers.
import { Engine } from '../base.js';
import { SessionStatus, Ack, events } from '../../contract/index.js';
import { NotSupportedByEngine, invalidRequest, invalidSessionState, messageNotFound } from '../../errors.js';
import { Rng, seedFrom } from '../../lib/prng.js';
import { normalizeChatId, phoneOf } from '../../lib/chatid.js';
import { buildVcard, captionOf, locationDescription, MEDIA_TYPES } from '../../messages.js';
import { normalizeSandboxOptions } from './options.js';
import { loadSample } from './samples.js';

const LOG_LIMIT = 1000; // network log entries kept per session
const HISTORY_LIMIT = 200; // per-customer received / typing / reaction entries kept
const INDEX_LIMIT = 5000; // messages remembered per session (for replies, reactions, edits)

const AUTO_REPLIES = [
  'Thanks! Got it.',
  'Okay, let me check and get back to you.',
  'Great, thank you for the quick answer.',
  'Could you tell me a bit more?',
  'Sounds good to me.',
  'Perfect, see you then.',
];

const pushBounded = (list, item, limit = HISTORY_LIMIT) => {
  list.push(item);
  if (list.length > limit) list.splice(0, list.length - limit);
};

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class SandboxEngine extends Engine {
  static engineName = 'sandbox';

  static normalizeOptions(options, sessionId) {
    return normalizeSandboxOptions(options, sessionId);
  }

  constructor(args) {
    super(args);
    this.timers = new Set();
    this.customers = null; // Map phone -> customer, created on first use
    this.index = new Map(); // wa_message_id -> {chat_id, from, type, fromMe}
    this.netLog = [];
    this.logSeq = 0;
    this.autoReplyPending = new Set();
    this.rng = null;
    // Bumped by stop(): a timer chain started in an earlier run (before a stop, restart or
    // logout) ends at its next step instead of running beside the chain the new run resumes.
    this.run = 0;
  }

  get ownId() {
    return `${this.options.phone}@c.us`;
  }

  // --- lifecycle -------------------------------------------------------------------------------

  async start() {
    this.stopped = false;
    const generation = (this.state.generation || 0) + 1;
    this.state.generation = generation;
    await this.ctx.saveState({ generation });
    this.rng = new Rng(seedFrom(this.options.seed, generation));
    await this.setStatus(SessionStatus.STARTING, { phone: this.state.paired ? this.options.phone : null });
    if (this.state.paired) {
      await this.#connect();
      return;
    }
    const qr = `2@${this.rng.chars(64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')},${this.rng.chars(44, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}=,sandbox`;
    await this.setQr(qr);
    this.#log('qr', { qr });
    if (this.options.qr_scan_delay_ms === 0) {
      await this.#scanned();
    } else {
      this.#after(this.options.qr_scan_delay_ms, () => this.#scanned());
    }
  }

  async #scanned() {
    if (this.stopped || this.status !== SessionStatus.QR) return;
    this.state.paired = true;
    await this.ctx.saveState({ paired: true });
    await this.#connect();
    this.#greet();
  }

  /** Once per pairing (a restart of a paired session does not repeat them): options.greetings. */
  #greet() {
    if (this.options.greetings.length) this.#log('greetings', { count: this.options.greetings.length });
    for (const { from, body, after_ms: afterMs } of this.options.greetings) {
      this.#after(afterMs, () => this.#customerWrites(this.#customer(from), body));
    }
  }

  async #connect() {
    await this.setStatus(SessionStatus.CONNECTED, { phone: this.options.phone });
    this.#log('connected', { phone: this.options.phone });
    this.#resumeAcks();
  }

  async stop() {
    this.stopped = true;
    this.run++;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.autoReplyPending.clear();
  }

  async logout() {
    await this.stop();
    this.state.paired = false;
    await this.ctx.saveState({ paired: false });
    await this.setStatus(SessionStatus.LOGGED_OUT, { phone: null, reason: 'logged out' });
    this.#log('logged_out', {});
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  // --- timers ----------------------------------------------------------------------------------

  /**
   * One-shot timer tracked for stop(); errors are logged, never thrown into the void. A chain
   * passes the `run` it started in, so a step scheduled after an await never outlives a stop.
   */
  #after(ms, fn, run = this.run) {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (this.stopped || run !== this.run) return;
      try {
        await fn();
      } catch (err) {
        this.ctx.log.error({ err }, 'sandbox timer failed');
      }
    }, ms);
    this.timers.add(timer);
  }

  // --- network bookkeeping ---------------------------------------------------------------------

  #log(kind, detail) {
    pushBounded(this.netLog, { seq: ++this.logSeq, at: Date.now() / 1000, kind, ...detail }, LOG_LIMIT);
  }

  #customer(phone) {
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
        seen_at: null,
        agent_typing: [],
        reactions: [],
      };
      this.customers.set(phone, customer);
    }
    return customer;
  }

  #remember(waMessageId, entry) {
    this.index.set(waMessageId, entry);
    if (this.index.size > INDEX_LIMIT) this.index.delete(this.index.keys().next().value);
  }

  #newMessageId(fromMe, chatId) {
    // WhatsApp Web's own ids start 3EB0; a phone's are longer uppercase hex.
    const id = fromMe ? `3EB0${this.rng.hex(18)}` : this.rng.hex(32);
    return `${fromMe}_${chatId}_${id}`;
  }

  #customerChatId(value, field = 'from') {
    const chatId = normalizeChatId(value);
    if (!chatId || !chatId.endsWith('@c.us')) throw invalidRequest(`${field} must be a phone number or a @c.us id`, { [field]: 'expected digits or 6281234567890@c.us' });
    return chatId;
  }

  // --- the agent's side (engine operations) ------------------------------------------------------

  async sendMessage(req) {
    this.assertConnected();
    // The simulated network has customers only: a group (or @lid) id is bad input for this engine,
    // a 422 the caller must not retry, not a send that failed.
    if (!req.to.endsWith('@c.us')) throw new NotSupportedByEngine(this.engine, req.to.endsWith('@g.us') ? 'group chats' : 'sending to @lid ids');
    return this.#deliverToCustomer({ req, clientId: req.client_id });
  }

  /** A message from this session's number to a customer (through the API or typed on the phone). */
  async #deliverToCustomer({ req, clientId }) {
    const chatId = req.to;
    const content = await this.#content(req);
    const waMessageId = this.#newMessageId(true, chatId);
    const timestamp = nowSeconds();
    const data = {
      wa_message_id: waMessageId,
      chat_id: chatId,
      from: this.ownId,
      from_name: null,
      to: chatId,
      ...content,
      reply_to: req.reply_to ?? null,
      timestamp,
      client_id: clientId,
    };
    // message.created is on disk before any of this message's acks can be queued, and in the same
    // transaction as their schedule: after kill -9 either both are there or neither.
    const phone = phoneOf(chatId);
    const acks = this.#ackSchedule(phone, data.type === 'voice');
    await this.ctx.emit(...events.messageCreated(data), { kv: [['put', `ack:${waMessageId}`, acks]] });
    this.#remember(waMessageId, { chat_id: chatId, from: this.ownId, type: data.type, fromMe: true });
    const customer = this.#customer(phone);
    pushBounded(customer.received, {
      wa_message_id: waMessageId,
      client_id: clientId,
      type: data.type,
      body: data.body,
      caption: data.caption,
      media: data.media,
      location: data.location ?? null,
      contact: data.contact ?? null,
      reply_to: data.reply_to,
      timestamp,
      ack: Ack.PENDING,
    });
    this.#log('message', { direction: 'out', wa_message_id: waMessageId, to: chatId, type: data.type, body: data.body, client_id: clientId });
    this.#runAcks(waMessageId, acks);
    return { wa_message_id: waMessageId, timestamp };
  }

  /** Message content fields (type, body, caption, media, location?, contact?) for an event. */
  async #content(req) {
    const out = { type: req.type, body: '', caption: null, media: null };
    if (req.type === 'text') out.body = req.body;
    if (MEDIA_TYPES.has(req.type)) {
      out.caption = captionOf(req);
      out.media = await this.ctx.media.save(this.id, req.media);
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

  /**
   * The acks due for one sent message. The schedule is kept in the store (ctx.kv `ack:<wa id>`,
   * with the index of the next tick), written in the same transaction as the event before it,
   * so that acks still due when the bridge stops are sent after it starts again: none lost, none
   * repeated.
   */
  #ackSchedule(phone, isVoice) {
    const d = this.options.ack_delays_ms;
    const fails = this.options.fail_numbers.includes(phone);
    const steps = fails
      ? [[d.sent, Ack.ERROR]]
      : [[d.sent, Ack.SERVER], [d.delivered, Ack.DEVICE], [d.read, Ack.READ], ...(isVoice ? [[d.played, Ack.PLAYED]] : [])];
    // Delays are measured from the send; a later tick never fires before an earlier one.
    let previous = 0;
    const schedule = steps.map(([at, ack]) => {
      previous = Math.max(previous, at);
      return [previous, ack];
    });
    return { phone, sent_at: Date.now(), schedule, next: 0 };
  }

  #runAcks(waMessageId, pending) {
    const customer = this.#customer(pending.phone);
    const run = this.run;
    const step = (i) => {
      if (i >= pending.schedule.length || run !== this.run) return;
      const [at, ack] = pending.schedule[i];
      this.#after(Math.max(0, pending.sent_at + at - Date.now()), async () => {
        // The simulated network state first, so an observer who saw the webhook sees it too.
        const received = customer.received.find((m) => m.wa_message_id === waMessageId);
        if (received) received.ack = ack;
        this.#log('ack', { wa_message_id: waMessageId, ack });
        const key = `ack:${waMessageId}`;
        const progress = i + 1 < pending.schedule.length ? ['put', key, { ...pending, next: i + 1 }] : ['remove', key];
        await this.ctx.emit(...events.messageAck({ wa_message_id: waMessageId, ack }), { kv: [progress] });
        if (ack === Ack.READ && this.options.auto_reply) this.#scheduleAutoReply(customer);
        step(i + 1);
      }, run);
    };
    step(pending.next);
  }

  /** After a restart: the acks that were still due when the bridge stopped. */
  #resumeAcks() {
    for (const [key, pending] of this.ctx.kv.entries()) {
      if (key.startsWith('ack:')) this.#runAcks(key.slice('ack:'.length), pending);
    }
  }

  /** A customer who read a message goes online, types, replies with a short sentence, goes offline. */
  #scheduleAutoReply(customer) {
    if (this.autoReplyPending.has(customer.phone)) return;
    this.autoReplyPending.add(customer.phone);
    this.#customerWrites(customer, this.rng.pick(AUTO_REPLIES), () => this.autoReplyPending.delete(customer.phone));
  }

  /** The customer goes online, types for auto_reply_typing_ms, sends `text`, goes offline. */
  #customerWrites(customer, text, onSent = () => {}) {
    const chatId = `${customer.phone}@c.us`;
    const typingMs = this.options.auto_reply_typing_ms;
    const step = Math.min(300, typingMs);
    const run = this.run;
    this.#after(0, async () => {
      await this.#presence(customer, true);
      this.#after(step, async () => {
        await this.#typing(customer, 'typing');
        this.#after(typingMs, async () => {
          await this.#typing(customer, 'paused');
          await this.#inbound({ from: chatId, type: 'text', body: text });
          onSent();
          this.#after(step * 3, () => this.#presence(customer, false), run);
        }, run);
      }, run);
    }, run);
  }

  async sendSeen(chatId) {
    this.assertConnected();
    const customer = this.#customer(phoneOf(this.#customerChatId(chatId, 'chat')));
    customer.seen_at = Date.now() / 1000;
    this.#log('seen', { chat_id: `${customer.phone}@c.us` });
  }

  async sendTyping(chatId, state) {
    this.assertConnected();
    const customer = this.#customer(phoneOf(this.#customerChatId(chatId, 'chat')));
    pushBounded(customer.agent_typing, { state, at: Date.now() / 1000 });
    this.#log('agent_typing', { chat_id: `${customer.phone}@c.us`, state });
  }

  /** The agent reacts: the customer sees it, and like WhatsApp Web the session reports its own reaction. */
  async react(waMessageId, emoji) {
    this.assertConnected();
    const message = this.index.get(waMessageId);
    if (!message) throw messageNotFound(waMessageId);
    const customer = this.#customer(phoneOf(message.chat_id));
    pushBounded(customer.reactions, { wa_message_id: waMessageId, from: this.ownId, emoji, at: Date.now() / 1000 });
    await this.ctx.emit(...events.messageReaction({ wa_message_id: waMessageId, from: this.ownId, emoji }));
    this.#log('reaction', { wa_message_id: waMessageId, from: this.ownId, emoji });
  }

  async requestPairingCode(phone) {
    if (this.status === SessionStatus.CONNECTED) throw invalidSessionState('session is already connected');
    const rng = new Rng(seedFrom('pairing', this.options.seed, phone));
    const code = rng.chars(8, 'ABCDEFGHJKLMNPQRSTVWXYZ23456789');
    this.#log('pairing_code', { phone, code });
    return code;
  }

  // --- the customers' side (sandbox control routes) ----------------------------------------------

  sandbox() {
    return this;
  }

  #requireConnected() {
    this.assertConnected();
  }

  async #presence(customer, online) {
    customer.online = online;
    if (!online) customer.last_seen = nowSeconds();
    const chatId = `${customer.phone}@c.us`;
    await this.ctx.emit(...events.contactPresence({ chat_id: chatId, online, last_seen: online ? null : customer.last_seen }));
    this.#log('presence', { chat_id: chatId, online });
  }

  async #typing(customer, state) {
    const chatId = `${customer.phone}@c.us`;
    await this.ctx.emit(...events.chatTyping({ chat_id: chatId, from: chatId, state }));
    this.#log('typing', { chat_id: chatId, state });
  }

  /** POST /sandbox/sessions/:id/inbound: a customer sends a message; emits message.received. */
  async inbound(req) {
    this.#requireConnected();
    return this.#inbound(req);
  }

  async #inbound(req) {
    const chatId = this.#customerChatId(req.from);
    const customer = this.#customer(phoneOf(chatId));
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
      content.media = await this.ctx.media.save(this.id, media);
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
    const waMessageId = this.#newMessageId(false, chatId);
    const data = {
      wa_message_id: waMessageId,
      chat_id: chatId,
      from: chatId,
      from_name: customer.name,
      to: this.ownId,
      ...content,
      reply_to: req.reply_to ?? null,
      timestamp: nowSeconds(),
      client_id: null,
    };
    await this.ctx.emit(...events.messageReceived(data));
    this.#remember(waMessageId, { chat_id: chatId, from: chatId, type, fromMe: false });
    this.#log('message', { direction: 'in', wa_message_id: waMessageId, from: chatId, type, body: data.body });
    return { wa_message_id: waMessageId };
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
    await this.#typing(this.#customer(phoneOf(this.#customerChatId(from))), state);
  }

  /** POST /sandbox/sessions/:id/presence */
  async presence({ from, online }) {
    this.#requireConnected();
    await this.#presence(this.#customer(phoneOf(this.#customerChatId(from))), online);
  }

  /** POST /sandbox/sessions/:id/reactions: a customer reacts to any message of their chat ("" removes). */
  async customerReact({ from, wa_message_id: waMessageId, emoji }) {
    this.#requireConnected();
    const chatId = this.#customerChatId(from);
    const message = this.index.get(waMessageId);
    if (!message || message.chat_id !== chatId) throw messageNotFound(waMessageId);
    await this.ctx.emit(...events.messageReaction({ wa_message_id: waMessageId, from: chatId, emoji }));
    this.#log('reaction', { wa_message_id: waMessageId, from: chatId, emoji });
  }

  #ownInbound(from, waMessageId) {
    const chatId = this.#customerChatId(from);
    const message = this.index.get(waMessageId);
    if (!message || message.from !== chatId) throw messageNotFound(waMessageId);
    return { chatId, message };
  }

  /** POST /sandbox/sessions/:id/edit: a customer edits one of their own text messages. */
  async edit({ from, wa_message_id: waMessageId, body }) {
    this.#requireConnected();
    const { chatId } = this.#ownInbound(from, waMessageId);
    await this.ctx.emit(...events.messageEdited({ wa_message_id: waMessageId, body }));
    this.#log('edit', { wa_message_id: waMessageId, from: chatId, body });
  }

  /** POST /sandbox/sessions/:id/revoke: a customer deletes one of their messages for everyone. */
  async revoke({ from, wa_message_id: waMessageId }) {
    this.#requireConnected();
    const { chatId, message } = this.#ownInbound(from, waMessageId);
    message.type = 'revoked';
    await this.ctx.emit(...events.messageRevoked({ wa_message_id: waMessageId }));
    this.#log('revoke', { wa_message_id: waMessageId, from: chatId });
  }

  /** POST /sandbox/sessions/:id/phone-message: the owner types on the phone -> message.created, client_id null. */
  async phoneMessage({ to, body }) {
    this.#requireConnected();
    const chatId = this.#customerChatId(to, 'to');
    return this.#deliverToCustomer({ req: { to: chatId, type: 'text', body }, clientId: null });
  }

  /** GET /sandbox/sessions/:id/customers/:phone: what this customer saw. */
  customerView(value) {
    const phone = phoneOf(this.#customerChatId(value, 'phone'));
    const customer = this.customers?.get(phone) ?? this.#customer(phone);
    const { phone: p, name, online, last_seen, received, seen_at, agent_typing, reactions } = customer;
    return { phone: p, name, online, last_seen, received, seen_at, agent_typing, reactions };
  }

  /** GET /sandbox/sessions/:id/log: everything the simulated network saw, in order (last 1000). */
  networkLog() {
    return { entries: this.netLog };
  }
}
