// The webjs engine: whatsapp-web.js driving the system Chromium, LocalAuth under the data dir.
//
// Lifecycle: starting -> (qr -> connected) | failed. initialize() is raced against our own
// timeout (BRIDGE_WEBJS_INIT_TIMEOUT_MS), and a watchdog fails the session when neither a QR nor
// "ready" arrives within the same bound after the page loaded. On failure Chromium is closed (and
// killed if it does not close), the session reports `failed` with the reason, and a new attempt
// starts after an exponential backoff (BRIDGE_WEBJS_RETRY_BASE_MS .. BRIDGE_WEBJS_RETRY_MAX_MS).
// A `disconnected` reconnects the same way; a LOGOUT ends in `logged_out` without retrying.
// Creating the client (the first call imports whatsapp-web.js and puppeteer) failing is handled
// like a failed initialize. A stop, restart or DELETE at any await of a launch ends that launch:
// no Chromium, no status of the old run afterwards.
//
// Sends are serialised per session. While one is in flight, the client's message_create /
// message_ack events are held, so that message.created for our own send carries its client_id and
// is queued before any of its acks.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { Engine } from '../base.js';
import { SessionStatus, events } from '../../contract/index.js';
import { SendFailed, engineError, invalidSessionState } from '../../errors.js';
import { backoffDelay, withTimeout } from '../../lib/async.js';
import { buildVcard, captionOf } from '../../messages.js';
import { ackData, editData, messageData, messageType, presenceEvents, reactionData, revokeData, statusForDisconnect, statusForState } from './mapping.js';
import { PRESENCE_LISTENER } from './presence.js';
import { reapOrphanChromium } from './chromium.js';

// Flags for the system Chromium running headless as root in a container.
export const CHROMIUM_ARGS = Object.freeze([
  '--headless=new',
  '--no-sandbox',
  '--disable-setuid-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--no-first-run',
  '--no-default-browser-check',
  '--mute-audio',
]);

const SEND_TIMEOUT_MS = 60_000;
const OP_TIMEOUT_MS = 15_000;
const DESTROY_TIMEOUT_MS = 10_000;
const CREATED_MEMORY = 2000; // wa ids whose message.created went out (dedup between send and message_create)

let wwebjsModule = null;
/** Loaded on first use: puppeteer is heavy, and sandbox-only nodes never need it. */
async function wwebjs() {
  if (!wwebjsModule) wwebjsModule = (await import('whatsapp-web.js')).default;
  return wwebjsModule;
}

/** LocalAuth accepts [A-Za-z0-9_-] only; other session ids get a stable hash. */
export function authClientId(sessionId) {
  return /^[A-Za-z0-9_-]+$/.test(sessionId) ? sessionId : `s_${crypto.createHash('sha256').update(sessionId).digest('hex').slice(0, 24)}`;
}

const firstLine = (err) => String(err?.message || err).split('\n')[0].slice(0, 500);

export class WebjsEngine extends Engine {
  static engineName = 'webjs';

  static normalizeOptions(options = {}) {
    return { ...options };
  }

  constructor(args) {
    super(args);
    this.client = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.watchdog = null;
    this.stopped = true;
    // Bumped by every start and stop: a launch (or retry) of an earlier run finds it changed after
    // an await and gives up, so a stop or DELETE while createClient() loads never launches Chromium.
    this.run = 0;
    this.sendChain = Promise.resolve();
    this.held = null; // array of deferred event emitters while a send is in flight
    this.created = new Set();
    this.presence = new Map();
    this.eventChain = Promise.resolve();
    const root = path.join(this.ctx.config.dataDir, 'webjs');
    this.authDataPath = path.join(root, 'auth');
    this.cachePath = path.join(root, 'cache');
  }

  /** The whatsapp-web.js Client for one attempt (tests override this with a fake client). */
  async createClient() {
    const { Client, LocalAuth } = await wwebjs();
    const { config } = this.ctx;
    return new Client({
      authStrategy: new LocalAuth({ clientId: authClientId(this.id), dataPath: this.authDataPath }),
      puppeteer: {
        executablePath: config.chromiumPath,
        headless: true,
        args: [...CHROMIUM_ARGS, ...config.chromiumExtraArgs],
        // Puppeteer's own launch timeout, inside our overall bound.
        timeout: Math.min(config.webjs.initTimeoutMs, 30_000),
      },
      webVersionCache: { type: 'local', path: this.cachePath },
      qrMaxRetries: 0,
      authTimeoutMs: config.webjs.initTimeoutMs,
    });
  }

  get userDataDir() {
    return path.join(this.authDataPath, `session-${authClientId(this.id)}`);
  }

  // --- lifecycle -------------------------------------------------------------------------------

  async start() {
    this.stopped = false;
    const run = ++this.run;
    await this.setStatus(SessionStatus.STARTING, { reason: null });
    if (this.#stale(run)) return;
    // A kill -9 of a previous bridge leaves its Chromium behind: reap the one for this profile.
    reapOrphanChromium(this.userDataDir, this.ctx.log);
    this.#launch(run).catch((err) => this.ctx.log.error({ err }, 'webjs launch crashed'));
  }

  /** Stopped, or stopped and started again, since `run` began. */
  #stale(run) {
    return this.stopped || this.run !== run;
  }

  async #launch(run) {
    if (this.#stale(run)) return;
    const { config } = this.ctx;
    let client;
    try {
      client = await this.createClient();
    } catch (err) {
      // The first call imports whatsapp-web.js and puppeteer: a broken install fails here. Same as
      // a failed initialize: failed with the reason, then a new attempt after the backoff.
      if (!this.#stale(run)) await this.#down(run, `creating the WhatsApp client failed: ${firstLine(err)}`);
      return;
    }
    // Stopped while the client was created: Chromium starts in initialize(), so nothing to close.
    if (this.#stale(run)) return;
    this.client = client;
    this.#wire(client);
    this.#armWatchdog(client);
    const init = client.initialize();
    try {
      await withTimeout(init, config.webjs.initTimeoutMs, () => new Error(`WhatsApp Web did not load within ${config.webjs.initTimeoutMs} ms`));
      if (this.client !== client) await this.#destroy(client); // stopped while it loaded
    } catch (err) {
      // initialize() may still be running (a hung page load): when it settles, make sure its
      // browser goes too.
      init.catch(() => {}).finally(() => {
        if (this.client !== client) this.#destroy(client, { reap: false });
      });
      if (this.client === client) await this.#fail(client, `initialize failed: ${firstLine(err)}`);
    }
  }

  #armWatchdog(client) {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      if (this.client === client && this.status !== SessionStatus.QR && this.status !== SessionStatus.CONNECTED) {
        this.#fail(client, `no QR and no connection within ${this.ctx.config.webjs.initTimeoutMs} ms`);
      }
    }, this.ctx.config.webjs.initTimeoutMs + 1000);
  }

  /** Report `status` with the reason, close Chromium, and try again after a backoff. */
  async #fail(client, reason, status = SessionStatus.FAILED) {
    if (this.client !== client) return;
    const run = this.run;
    this.client = null;
    clearTimeout(this.watchdog);
    await this.#destroy(client);
    if (this.#stale(run)) return; // stopped (or logged out) while Chromium closed: report nothing
    await this.#down(run, reason, status);
  }

  /** No client running: report `status` with the reason, and try again after a backoff (unless logged out). */
  async #down(run, reason, status = SessionStatus.FAILED) {
    this.ctx.log.warn({ reason, attempt: this.attempt + 1 }, 'webjs session down');
    await this.setStatus(status, { reason });
    if (this.#stale(run) || status === SessionStatus.LOGGED_OUT) return;
    const { retryBaseMs, retryMaxMs } = this.ctx.config.webjs;
    const delay = backoffDelay(this.attempt++, { minMs: retryBaseMs, maxMs: retryMaxMs });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(async () => {
      if (this.#stale(run)) return;
      try {
        await this.setStatus(SessionStatus.STARTING, { reason: null });
        await this.#launch(run);
      } catch (err) {
        this.ctx.log.error({ err }, 'webjs retry crashed');
      }
    }, delay);
  }

  /** Close the browser; kill the process when closing does not end it. Never throws. */
  async #destroy(client, { reap = true } = {}) {
    const proc = client.pupBrowser?.process?.();
    try {
      await withTimeout(client.destroy(), DESTROY_TIMEOUT_MS, () => new Error('destroy timed out'));
    } catch (err) {
      this.ctx.log.warn({ err: firstLine(err) }, 'closing Chromium failed; killing it');
    }
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, 'SIGKILL'); // puppeteer starts Chromium as a process group leader
      } catch {
        try { proc.kill('SIGKILL'); } catch { /* already gone */ }
      }
    }
    if (reap) reapOrphanChromium(this.userDataDir, this.ctx.log);
  }

  async stop() {
    this.stopped = true;
    this.run++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    const client = this.client;
    this.client = null;
    if (client) await this.#destroy(client);
  }

  async logout() {
    this.stopped = true;
    this.run++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    const client = this.client;
    this.client = null;
    if (client && this.status === SessionStatus.CONNECTED) {
      try {
        await withTimeout(client.logout(), OP_TIMEOUT_MS, () => new Error('logout timed out'));
      } catch (err) {
        this.ctx.log.warn({ err: firstLine(err) }, 'webjs logout failed; removing credentials locally');
      }
    }
    if (client) await this.#destroy(client);
    await fs.promises.rm(this.userDataDir, { recursive: true, force: true }).catch(() => {});
    await this.setStatus(SessionStatus.LOGGED_OUT, { phone: null, reason: 'logged out' });
  }

  async restart() {
    await this.stop();
    this.attempt = 0;
    await this.start();
  }

  // --- events from whatsapp-web.js -------------------------------------------------------------

  /** Run event handlers one after another, so events are queued in the order the client emitted them. */
  #serial(name, fn) {
    return (...args) => {
      this.eventChain = this.eventChain.then(() => fn(...args)).catch((err) => this.ctx.log.error({ err, event: name }, 'webjs event handler failed'));
    };
  }

  #wire(client) {
    const mine = (fn) => (...args) => (this.client === client ? fn(...args) : undefined);
    client.on('qr', this.#serial('qr', mine(async (qr) => {
      clearTimeout(this.watchdog);
      await this.setQr(qr);
    })));
    client.on('code', (code) => this.ctx.log.info({ code }, 'pairing code'));
    // The QR was scanned (or the stored login accepted): the QR goes away while the chats load.
    client.on('authenticated', this.#serial('authenticated', mine(async () => {
      if (this.status === SessionStatus.QR) await this.setStatus(SessionStatus.STARTING, { reason: 'authenticated, loading chats' });
    })));
    client.on('ready', this.#serial('ready', mine(async () => {
      clearTimeout(this.watchdog);
      this.attempt = 0;
      const phone = client.info?.wid?.user ?? null;
      this.me = client.info?.wid?._serialized ?? (phone ? `${phone}@c.us` : null);
      this.readyClient = client;
      await this.setStatus(SessionStatus.CONNECTED, { phone, reason: null });
      this.#injectPresenceListener(client);
    })));
    client.on('auth_failure', this.#serial('auth_failure', mine(async (message) => this.#fail(client, `auth_failure: ${message}`))));
    client.on('disconnected', this.#serial('disconnected', mine(async (reason) => {
      const status = statusForDisconnect(reason);
      if (status === SessionStatus.LOGGED_OUT) {
        await fs.promises.rm(this.userDataDir, { recursive: true, force: true }).catch(() => {});
      }
      await this.#fail(client, `disconnected: ${reason}`, status);
    })));
    client.on('change_state', this.#serial('change_state', mine(async (state) => {
      this.ctx.log.info({ state }, 'WhatsApp state changed');
      const next = statusForState(state, { ready: this.readyClient === client });
      if (next) await this.setStatus(next.status, { reason: next.reason });
    })));
    client.on('message', this.#serial('message', mine(async (msg) => this.#onIncoming(client, msg))));
    client.on('message_create', this.#serial('message_create', mine(async (msg) => {
      if (msg.fromMe) await this.#hold(() => this.#onOwnMessage(client, msg));
    })));
    client.on('message_ack', this.#serial('message_ack', mine(async (msg, ack) => {
      const data = ackData(msg, ack);
      if (data) await this.#hold(() => this.ctx.emit(...events.messageAck(data)));
    })));
    client.on('message_reaction', this.#serial('message_reaction', mine(async (reaction) => {
      const data = reactionData(reaction);
      if (data.wa_message_id && data.from) await this.ctx.emit(...events.messageReaction(data));
    })));
    client.on('message_edit', this.#serial('message_edit', mine(async (msg, newBody) => this.ctx.emit(...events.messageEdited(editData(msg, newBody))))));
    client.on('message_revoke_everyone', this.#serial('message_revoke_everyone', mine(async (msg, revoked) => this.ctx.emit(...events.messageRevoked(revokeData(msg, revoked))))));
  }

  /** Defer fn while a send is in flight (see the header), else run it now. */
  async #hold(fn) {
    if (this.held) this.held.push(fn);
    else await fn();
  }

  async #downloadMedia(msg) {
    if (!msg.hasMedia) return undefined;
    try {
      const media = await withTimeout(msg.downloadMedia(), SEND_TIMEOUT_MS, () => new Error('media download timed out'));
      if (!media?.data) return undefined; // expired or not downloadable: metadata only, id null
      return await this.ctx.media.save(this.id, { data: Buffer.from(media.data, 'base64'), mimetype: media.mimetype, filename: media.filename || undefined });
    } catch (err) {
      this.ctx.log.warn({ err: firstLine(err), wa_message_id: msg.id?._serialized }, 'media download failed');
      return undefined;
    }
  }

  async #onIncoming(client, msg) {
    if (!messageType(msg)) return;
    const media = await this.#downloadMedia(msg);
    const data = messageData(msg, { me: this.me, media });
    if (data) await this.ctx.emit(...events.messageReceived(data));
    this.#subscribePresence(client, data?.chat_id);
  }

  /** message_create with fromMe: ours (client_id known) or typed on the phone (client_id null). */
  async #onOwnMessage(client, msg) {
    const waId = msg.id._serialized;
    if (this.created.has(waId) || !messageType(msg)) return;
    const media = await this.#downloadMedia(msg);
    const data = messageData(msg, { me: this.me, clientId: this.ctx.clientIdFor(waId), media });
    if (!data) return;
    this.#markCreated(waId);
    await this.ctx.emit(...events.messageCreated(data));
  }

  #markCreated(waId) {
    this.created.add(waId);
    if (this.created.size > CREATED_MEMORY) this.created.delete(this.created.values().next().value);
  }

  // --- typing & presence (best effort) ----------------------------------------------------------

  async #injectPresenceListener(client) {
    try {
      const page = client.pupPage;
      if (!(await page.evaluate(() => typeof window.blazzOnPresence === 'function'))) {
        await page.exposeFunction('blazzOnPresence', (payload) => this.#onPresence(payload));
      }
      await page.evaluate(PRESENCE_LISTENER);
    } catch (err) {
      this.ctx.log.warn({ err: firstLine(err) }, 'presence listener not installed (typing and presence events unavailable)');
    }
  }

  #subscribePresence(client, chatId) {
    if (!chatId?.endsWith('@c.us')) return;
    client.pupPage?.evaluate((id) => window.blazzSubscribePresence?.(id), chatId).catch(() => {});
  }

  #onPresence(payload) {
    const prev = this.presence.get(payload?.id);
    const out = presenceEvents(payload, prev);
    if (payload?.id) this.presence.set(payload.id, { ...prev, ...payload });
    if (this.presence.size > 5000) this.presence.delete(this.presence.keys().next().value);
    for (const [kind, data] of out) {
      this.eventChain = this.eventChain
        .then(() => this.ctx.emit(...(kind === 'typing' ? events.chatTyping(data) : events.contactPresence(data))))
        .catch((err) => this.ctx.log.error({ err }, 'presence event failed'));
    }
  }

  // --- operations --------------------------------------------------------------------------------

  #connectedClient() {
    this.assertConnected();
    if (!this.client) throw invalidSessionState('the WhatsApp client is not running');
    return this.client;
  }

  async #content(req) {
    const { MessageMedia, Location } = await wwebjs();
    const options = { sendSeen: false };
    if (req.reply_to) options.quotedMessageId = req.reply_to;
    switch (req.type) {
      case 'text':
        return { content: req.body, options };
      case 'location': {
        const { latitude, longitude, name, address } = req.location;
        return { content: new Location(latitude, longitude, { name: name ?? undefined, address: address ?? undefined }), options };
      }
      case 'contact':
        return { content: buildVcard(req.contact), options: { ...options, parseVCards: true } };
      default: {
        const media = new MessageMedia(req.media.mimetype, req.media.data.toString('base64'), req.media.filename ?? null, req.media.data.length);
        const caption = captionOf(req);
        if (caption) options.caption = caption;
        if (req.type === 'voice') options.sendAudioAsVoice = true;
        if (req.type === 'document') options.sendMediaAsDocument = true;
        if (req.type === 'sticker') options.sendMediaAsSticker = true;
        return { content: media, options };
      }
    }
  }

  async sendMessage(req) {
    const client = this.#connectedClient();
    const run = this.sendChain.then(() => this.#sendNow(client, req));
    this.sendChain = run.catch(() => {});
    return run;
  }

  async #sendNow(client, req) {
    if (req.to.endsWith('@c.us')) {
      let numberId;
      try {
        numberId = await withTimeout(client.getNumberId(req.to.split('@')[0]), OP_TIMEOUT_MS, () => new Error('number lookup timed out'));
      } catch (err) {
        throw new SendFailed(`number lookup failed: ${firstLine(err)}`, { maybeSent: false });
      }
      if (!numberId) throw new SendFailed(`${req.to} is not on WhatsApp`, { maybeSent: false });
    }
    const { content, options } = await this.#content(req);
    const mediaInfo = req.media ? await this.ctx.media.save(this.id, req.media) : null;
    this.held = [];
    let msg;
    try {
      try {
        msg = await withTimeout(client.sendMessage(req.to, content, options), SEND_TIMEOUT_MS, () => new Error(`no answer within ${SEND_TIMEOUT_MS} ms`));
      } catch (err) {
        throw new SendFailed(`whatsapp-web.js sendMessage failed: ${firstLine(err)}`, { maybeSent: true, cause: err });
      }
      const waId = msg.id._serialized;
      await this.ctx.rememberSend(waId, req.client_id);
      const data = messageData(msg, { me: this.me, clientId: req.client_id, media: mediaInfo });
      if (data && !this.created.has(waId)) {
        this.#markCreated(waId);
        await this.ctx.emit(...events.messageCreated(data));
      }
      return { wa_message_id: waId, timestamp: msg.timestamp ?? Math.floor(Date.now() / 1000) };
    } finally {
      const held = this.held;
      this.held = null;
      for (const fn of held) await fn().catch((err) => this.ctx.log.error({ err }, 'held webjs event failed'));
    }
  }

  async sendSeen(chatId) {
    const client = this.#connectedClient();
    await this.#op('sendSeen', () => client.sendSeen(chatId));
  }

  async sendTyping(chatId, state) {
    const client = this.#connectedClient();
    await this.#op('typing', async () => {
      const chat = await client.getChatById(chatId);
      if (state === 'typing') await chat.sendStateTyping();
      else if (state === 'recording') await chat.sendStateRecording();
      else await chat.clearState();
    });
  }

  async react(waMessageId, emoji) {
    const client = this.#connectedClient();
    await this.#op('react', () => client.sendReaction(waMessageId, emoji));
  }

  async requestPairingCode(phone) {
    if (this.status !== SessionStatus.QR || !this.client) {
      throw invalidSessionState(`a pairing code needs the session waiting for a scan (status qr), it is ${this.status}`);
    }
    const client = this.client;
    return this.#op('requestPairingCode', () => client.requestPairingCode(phone, true));
  }

  async #op(name, fn) {
    try {
      return await withTimeout(Promise.resolve().then(fn), OP_TIMEOUT_MS, () => new Error(`${name} timed out`));
    } catch (err) {
      throw engineError(`${name} failed: ${firstLine(err)}`, err);
    }
  }
}
