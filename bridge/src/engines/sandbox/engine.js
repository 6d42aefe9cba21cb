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
import { ErrorCode, NotSupportedByEngine, invalidSessionState, messageActionRefused, messageNotFound } from '../../errors.js';
import { Rng, seedFrom } from '../../lib/prng.js';
import { phoneOf } from '../../lib/chatid.js';
import { normalizeSandboxOptions } from './options.js';
import { SandboxNetwork, pushBounded, nowSeconds } from './network.js';
import { SandboxControl } from './control.js';

// WhatsApp's limits: an edit within 15 minutes of sending, a delete for everyone within ~60 hours.
export const EDIT_WINDOW_SECONDS = 15 * 60;
export const REVOKE_WINDOW_SECONDS = 60 * 3600;

/** Which content field an edit changes: the text of a text message, the caption of a captioned one. */
const editableField = (type) => (type === 'text' ? 'body' : ['image', 'video', 'document'].includes(type) ? 'caption' : null);

const AUTO_REPLIES = [
  'Thanks! Got it.',
  'Okay, let me check and get back to you.',
  'Great, thank you for the quick answer.',
  'Could you tell me a bit more?',
  'Sounds good to me.',
  'Perfect, see you then.',
];

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
    const rng = new Rng(seedFrom(this.options.seed, generation));
    this.network.rng = rng;
    await this.setStatus(SessionStatus.STARTING, { phone: this.state.paired ? this.options.phone : null });
    if (this.state.paired) {
      await this.#connect();
      return;
    }
    const qr = `2@${rng.chars(64, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')},${rng.chars(44, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/')}=,sandbox`;
    await this.setQr(qr);
    this.network.log('qr', { qr });
    if (this.options.qr_scan_delay_ms === 0) {
      await this.#scanned();
    } else {
      this.after(this.options.qr_scan_delay_ms, () => this.#scanned());
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
    if (this.options.greetings.length) this.network.log('greetings', { count: this.options.greetings.length });
    for (const { from, body, after_ms: afterMs } of this.options.greetings) {
      this.after(afterMs, () => this.control.customerWrites(this.network.customer(from), body));
    }
  }

  async #connect() {
    await this.setStatus(SessionStatus.CONNECTED, { phone: this.options.phone });
    this.network.log('connected', { phone: this.options.phone });
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
    this.assertConnected();
    // The simulated network has customers only: a group (or @lid) id is bad input for this engine,
    // a 422 the caller must not retry, not a send that failed.
    if (!req.to.endsWith('@c.us')) throw new NotSupportedByEngine(this.engine, req.to.endsWith('@g.us') ? 'group chats' : 'sending to @lid ids');
    return this.deliverToCustomer({ req, clientId: req.client_id });
  }

  /**
   * A message from this session's number to a customer (through the API, forwarded, or typed on
   * the phone). `content`: the message's content when it is known already (a forward's source).
   */
  async deliverToCustomer({ req, clientId, content = null, forwarded = false }) {
    const { network } = this;
    const chatId = req.to;
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
    };
    // message.created is on disk before any of this message's acks can be queued, and in the same
    // transaction as their schedule: after kill -9 either both are there or neither.
    const phone = phoneOf(chatId);
    const acks = this.#ackSchedule(phone, data.type === 'voice');
    await this.ctx.emit(...events.messageCreated(data), { kv: [['put', `ack:${waMessageId}`, acks]] });
    network.remember(waMessageId, { chat_id: chatId, from: this.ownId, fromMe: true, timestamp, content });
    const customer = network.customer(phone);
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
    this.#runAcks(waMessageId, acks);
    return { wa_message_id: waMessageId, timestamp };
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
    const customer = this.network.customer(pending.phone);
    const run = this.run;
    const step = (i) => {
      if (i >= pending.schedule.length || run !== this.run) return;
      const [at, ack] = pending.schedule[i];
      this.after(Math.max(0, pending.sent_at + at - Date.now()), async () => {
        // The simulated network state first, so an observer who saw the webhook sees it too.
        const received = customer.received.find((m) => m.wa_message_id === waMessageId);
        if (received) received.ack = ack;
        this.network.log('ack', { wa_message_id: waMessageId, ack });
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
    this.control.customerWrites(customer, this.network.rng.pick(AUTO_REPLIES), () => this.autoReplyPending.delete(customer.phone));
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
    this.assertConnected();
    if (!req.to.endsWith('@c.us')) throw new NotSupportedByEngine(this.engine, req.to.endsWith('@g.us') ? 'group chats' : 'sending to @lid ids');
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

  async requestPairingCode(phone) {
    if (this.status === SessionStatus.CONNECTED) throw invalidSessionState('session is already connected');
    const rng = new Rng(seedFrom('pairing', this.options.seed, phone));
    const code = rng.chars(8, 'ABCDEFGHJKLMNPQRSTVWXYZ23456789');
    this.network.log('pairing_code', { phone, code });
    return code;
  }
}
