// The sandbox engine: a simulated WhatsApp network for demos, onboarding, CRM developers and every
// automated test. A QR that scans itself, virtual customers who receive messages, ack them after
// per-session delays (or fail, for numbers configured to fail), read receipts, typing and
// presence, optional auto-replies, media both ways. All ids and choices come from a seeded PRNG
// (seeded by the session's seed and its start generation, so ids never repeat across restarts).
//
// This file is the engine contract's side (lifecycle and what the agent does); network.js holds
// the simulated state; control.js is the customers' side (the /sandbox control routes).
// Memory: an idle session holds a few small objects and no timers.
import { Engine } from '../base.js';
import { SessionStatus, Ack, ReasonCode, events } from '../../contract/index.js';
import { ErrorCode, NotSupportedByEngine, SendFailed, invalidSessionState, messageActionRefused, messageNotFound } from '../../errors.js';
import { Rng, seedFrom } from '../../lib/prng.js';
import { phoneOf } from '../../lib/chatid.js';
import { normalizeSandboxOptions } from './options.js';
import { SandboxNetwork, pushBounded, nowSeconds } from './network.js';
import { SandboxControl } from './control.js';
import { AUTO_REPLIES } from './phrases.js';
import { importHistory } from './history.js';
import { AckSimulator } from './acks.js';

// WhatsApp's limits: an edit within 15 minutes of sending, a delete for everyone within ~60 hours.
export const EDIT_WINDOW_SECONDS = 15 * 60;
export const REVOKE_WINDOW_SECONDS = 60 * 3600;

/** Which content field an edit changes: the text of a text message, the caption of a captioned one. */
const editableField = (type) => (type === 'text' ? 'body' : ['image', 'video', 'document'].includes(type) ? 'caption' : null);

const AUTH_STORE_RETRY_MS = 5000;
const OFFLINE_REASON = 'sandbox: offline';

export class SandboxEngine extends Engine {
  static engineName = 'sandbox';

  static normalizeOptions(options, sessionId) {
    return normalizeSandboxOptions(options, sessionId);
  }

  constructor(args) {
    super(args);
    this.timers = new Set();
    this.autoReplyPending = new Set();
    this.network = new SandboxNetwork({ options: this.options });
    /** The customers' side: what the /sandbox control routes call (SessionManager.sandboxControl). */
    this.control = new SandboxControl(this);
    this.acks = new AckSimulator(this);
    // Bumped by stop(): a timer chain started in an earlier run (before a stop, restart or
    // logout) ends at its next step instead of running beside the chain the new run resumes.
    this.run = 0;
  }

  /** This number: the one a pairing code linked, else the `phone` option. */
  get ownPhone() {
    return this.state.linked_phone || this.options.phone;
  }

  get ownId() {
    return `${this.ownPhone}@c.us`;
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /**
   * The pairing record: in the session's state (BRIDGE_AUTH_STORE=local), or in Django's auth store
   * (remote), so that a session moved to another node reconnects there without a QR. The start
   * generation travels with it: ids seeded by (seed, generation) never repeat on the new node.
   */
  async #loadPairing() {
    const store = this.ctx.authStore;
    if (!store) return;
    const remote = (await store.getJson(this.id)) ?? {};
    this.state.paired = Boolean(remote.paired);
    this.state.linked_phone = remote.linked_phone ?? null;
    this.state.generation = Math.max(this.state.generation || 0, remote.generation || 0);
  }

  async #savePairing(patch) {
    Object.assign(this.state, patch);
    await this.ctx.saveState(patch);
    const { paired = false, linked_phone: linkedPhone = null, generation = 0 } = this.state;
    await this.ctx.authStore?.putJson(this.id, { paired, linked_phone: linkedPhone, generation });
  }

  async start() {
    this.stopped = false;
    this.pairingRequested = false;
    try {
      await this.#loadPairing();
    } catch (err) {
      // Django's auth store is away: never show a QR for a number that may be paired; retry.
      await this.setStatus(SessionStatus.FAILED, { reason: `auth store unreachable: ${err.message}`, reasonCode: ReasonCode.UNKNOWN });
      this.after(AUTH_STORE_RETRY_MS, () => this.start());
      return;
    }
    const generation = (this.state.generation || 0) + 1;
    await this.#savePairing({ generation });
    const rng = new Rng(seedFrom(this.options.seed, generation));
    this.network.rng = rng;
    await this.setStatus(SessionStatus.STARTING, { phone: this.state.paired ? this.ownPhone : null });
    if (this.state.paired) {
      await this.#connect();
      return;
    }
    const qr = `2@${rng.chars(64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')},${rng.chars(44, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}=,sandbox`;
    await this.setQr(qr);
    this.network.log('qr', { qr });
    if (this.options.qr_scan_delay_ms === 0) {
      await this.#paired();
    } else {
      this.after(this.options.qr_scan_delay_ms, () => (this.pairingRequested ? null : this.#paired()));
    }
  }

  /** The QR was scanned (or a pairing code entered, linking `linkedPhone`): connected. */
  async #paired(linkedPhone = null) {
    if (this.stopped || this.status !== SessionStatus.QR) return;
    await this.#savePairing({ paired: true, ...(linkedPhone ? { linked_phone: linkedPhone } : {}) });
    await this.#connect();
    this.#greet();
    if (this.options.history) await importHistory(this, this.options.history);
  }

  /** Once per pairing (a restart of a paired session does not repeat them): options.greetings. */
  #greet() {
    if (this.options.greetings.length) this.network.log('greetings', { count: this.options.greetings.length });
    for (const { from, body, after_ms: afterMs } of this.options.greetings) {
      this.after(afterMs, () => this.control.customerWrites(this.network.customer(from), body));
    }
  }

  async #connect() {
    if (this.state.offline) {
      await this.setStatus(SessionStatus.DISCONNECTED, { phone: this.ownPhone, reason: OFFLINE_REASON, reasonCode: ReasonCode.CONNECTION_LOST });
      return;
    }
    await this.setStatus(SessionStatus.CONNECTED, { phone: this.ownPhone });
    this.network.log('connected', { phone: this.ownPhone });
    this.acks.resume();
  }

  /** Sandbox control: the link to WhatsApp drops (disconnected); acks and sends wait, inbound is held. */
  async goOffline() {
    if (this.state.offline) return;
    await this.stop();
    this.stopped = false;
    await this.#savePairing({ offline: true });
    await this.setStatus(SessionStatus.DISCONNECTED, { phone: this.ownPhone, reason: OFFLINE_REASON, reasonCode: ReasonCode.CONNECTION_LOST });
    this.network.log('offline', {});
  }

  /** Sandbox control: the link is back: connected, due acks resume, held inbound arrives as history. */
  async goOnline() {
    if (!this.state.offline) return;
    await this.#savePairing({ offline: false });
    if (!this.state.paired) return;
    await this.#connect();
    await this.control.deliverHeld();
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
    await this.#savePairing({ paired: false, linked_phone: null, offline: false });
    await this.ctx.authStore?.delete(this.id).catch((err) => this.ctx.log.warn({ err: err.message }, 'auth store delete failed'));
    await this.setStatus(SessionStatus.LOGGED_OUT, { phone: null, reason: 'logged out', reasonCode: ReasonCode.LOGGED_OUT });
    this.network.log('logged_out', {});
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
  after(ms, fn, run = this.run) {
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

  // --- the agent's side (engine operations) ------------------------------------------------------

  async sendMessage(req) {
    this.#assertRecipient(req.to);
    return this.deliverToCustomer({ req, clientId: req.client_id });
  }

  /**
   * The simulated network has customers only: a group id is bad input for this engine (a 422 the
   * caller must not retry); a LID no customer uses is a send that failed (nothing sent).
   */
  #assertRecipient(to) {
    this.assertConnected();
    if (to.endsWith('@g.us')) throw new NotSupportedByEngine(this.engine, 'group chats');
    if (to.endsWith('@lid') && !this.network.lidPhoneId(to)) throw new SendFailed(`no sandbox customer uses ${to}`, { maybeSent: false });
  }

  /**
   * A message from this session's number to a customer (through the API, forwarded, or typed on
   * the phone). `content`: the message's content when it is known already (a forward's source).
   */
  async deliverToCustomer({ req, clientId, content = null, forwarded = false }) {
    const { network } = this;
    const chatId = req.to; // the id WhatsApp uses: a phone id, or a customer's LID
    const phoneId = chatId.endsWith('@lid') ? network.lidPhoneId(chatId) : chatId;
    const phone = phoneOf(phoneId);
    const customer = network.customer(phone);
    content ??= await network.content(req, (media) => this.ctx.media.save(this.id, media));
    const waMessageId = network.newMessageId(true, chatId);
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
      forwarded: forwarded || undefined,
      ...network.identityFields(customer, chatId),
    };
    // message.created is on disk before any of this message's acks can be queued, and in the same
    // transaction as their schedule: after kill -9 either both are there or neither.
    const acks = this.acks.schedule(phone, data.type === 'voice');
    await this.ctx.emit(...events.messageCreated(data), { kv: [['put', `ack:${waMessageId}`, acks]] });
    network.remember(waMessageId, { chat_id: phoneId, wire_id: chatId, from: this.ownId, fromMe: true, timestamp, content });
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
      forwarded,
      edited: false,
      revoked: false,
      seq: network.nextSeq(),
    });
    network.log('message', { direction: 'out', wa_message_id: waMessageId, to: chatId, type: data.type, body: data.body, client_id: clientId });
    this.acks.run(waMessageId, acks);
    return { wa_message_id: waMessageId, timestamp };
  }

  /** A customer who read a message goes online, types, replies with a short sentence, goes offline. */
  scheduleAutoReply(customer) {
    if (this.autoReplyPending.has(customer.phone)) return;
    this.autoReplyPending.add(customer.phone);
    this.control.customerWrites(customer, this.network.rng.pick(AUTO_REPLIES[this.options.language]), () => this.autoReplyPending.delete(customer.phone));
  }

  async sendSeen(chatId) {
    this.assertConnected();
    const customer = this.network.customer(phoneOf(this.network.customerChatId(chatId, 'chat')));
    customer.seen_at = Date.now() / 1000;
    this.network.log('seen', { chat_id: `${customer.phone}@c.us` });
  }

  async sendTyping(chatId, state) {
    this.assertConnected();
    const customer = this.network.customer(phoneOf(this.network.customerChatId(chatId, 'chat')));
    pushBounded(customer.agent_typing, { state, at: Date.now() / 1000 });
    this.network.log('agent_typing', { chat_id: `${customer.phone}@c.us`, state });
  }

  /** The agent reacts: the customer sees it, and like WhatsApp Web the session reports its own reaction. */
  async react(waMessageId, emoji) {
    this.assertConnected();
    const message = this.network.index.get(waMessageId);
    if (!message) throw messageNotFound(waMessageId);
    const customer = this.network.customer(phoneOf(message.chat_id));
    pushBounded(customer.reactions, { wa_message_id: waMessageId, from: this.ownId, emoji, at: Date.now() / 1000 });
    await this.ctx.emit(...events.messageReaction({ wa_message_id: waMessageId, from: this.ownId, emoji }));
    this.network.log('reaction', { wa_message_id: waMessageId, from: this.ownId, emoji });
  }

  /** Forward a message this session knows (ours or a customer's) to a customer: the same content, marked forwarded. */
  async forwardMessage(req) {
    this.#assertRecipient(req.to);
    const source = this.network.index.get(req.forward_of);
    if (!source || source.revoked) throw messageNotFound(req.forward_of);
    return this.deliverToCustomer({ req, clientId: req.client_id, content: source.content, forwarded: true });
  }

  /** The agent edits one of our messages within WhatsApp's window; the customer sees the new text. */
  async editMessage(waMessageId, body) {
    this.assertConnected();
    const message = this.#ownMessage(waMessageId, ErrorCode.MESSAGE_NOT_EDITABLE, 'edited');
    const field = editableField(message.content.type);
    if (!field) throw messageActionRefused(ErrorCode.MESSAGE_NOT_EDITABLE, `a ${message.content.type} message cannot be edited`);
    if (nowSeconds() - message.timestamp > EDIT_WINDOW_SECONDS) throw messageActionRefused(ErrorCode.EDIT_WINDOW_PASSED, 'WhatsApp allows edits within 15 minutes of sending');
    if (message.content[field] !== body) {
      message.content = { ...message.content, [field]: body };
      const seen = this.network.received(message);
      if (seen) Object.assign(seen, { [field]: body, edited: true });
      await this.ctx.emit(...events.messageEdited({ wa_message_id: waMessageId, body }));
      this.network.log('edit', { wa_message_id: waMessageId, from: this.ownId, body });
    }
    return { wa_message_id: waMessageId, body };
  }

  /** The agent deletes one of our messages for everyone; a second call changes nothing. */
  async revokeMessage(waMessageId) {
    this.assertConnected();
    const message = this.#ownMessage(waMessageId, ErrorCode.MESSAGE_NOT_REVOCABLE, 'deleted for everyone');
    if (!message.revoked) {
      if (nowSeconds() - message.timestamp > REVOKE_WINDOW_SECONDS) throw messageActionRefused(ErrorCode.REVOKE_WINDOW_PASSED, 'WhatsApp allows deleting for everyone within about 60 hours');
      message.revoked = true;
      const seen = this.network.received(message);
      if (seen) Object.assign(seen, { type: 'revoked', body: '', caption: null, media: null, location: null, contact: null, revoked: true });
      await this.ctx.emit(...events.messageRevoked({ wa_message_id: waMessageId }));
      this.network.log('revoke', { wa_message_id: waMessageId, from: this.ownId });
    }
    return { wa_message_id: waMessageId, revoked: true };
  }

  #ownMessage(waMessageId, refusedCode, what) {
    const message = this.network.index.get(waMessageId);
    if (!message) throw messageNotFound(waMessageId);
    if (!message.fromMe) throw messageActionRefused(refusedCode, `only this number's own messages can be ${what}`);
    message.id = waMessageId;
    return message;
  }

  /**
   * "Link with phone number instead": a code (the same for the same seed and phone), announced as
   * session.pairing_code; the QR no longer scans itself and the number pairs as `phone` after
   * pairing_delay_ms, as if the code had been typed on that phone.
   */
  async requestPairingCode(phone) {
    if (this.status !== SessionStatus.QR) throw invalidSessionState(`a pairing code needs the session waiting for a scan (status qr), it is ${this.status}`);
    const rng = new Rng(seedFrom('pairing', this.options.seed, phone));
    const code = rng.chars(8, 'ABCDEFGHJKLMNPQRSTVWXYZ23456789');
    this.network.log('pairing_code', { phone, code });
    await this.ctx.emit(...events.sessionPairingCode({ code }));
    if (!this.pairingRequested) {
      this.pairingRequested = true;
      this.after(this.options.pairing_delay_ms, () => this.#paired(phone));
    }
    return code;
  }
}
