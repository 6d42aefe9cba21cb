// The webjs engine: whatsapp-web.js driving the system Chromium, LocalAuth under the data dir.
// lifecycle.js launches, watches and retries the client; mapping.js turns its objects into our
// event data; presence.js is the listener injected into the page for typing and presence.
//
// Sends are serialised per session. While one is in flight, the client's message_create /
// message_ack events are held, so that message.created for our own send carries its client_id and
// is queued before any of its acks.
import path from 'node:path';
import crypto from 'node:crypto';
import { Engine } from '../base.js';
import { SessionStatus, events } from '../../contract/index.js';
import { SendFailed, engineError, invalidSessionState } from '../../errors.js';
import { withTimeout } from '../../lib/async.js';
import { buildVcard, captionOf, voiceMimetype } from '../../messages.js';
import { ackData, editData, messageData, messageType, reactionData, reasonCodeFor, revokeData } from './mapping.js';
import { PresenceWatch } from './presence.js';
import { ClientLifecycle, firstLine } from './lifecycle.js';
import { MessageActions } from './actions.js';
import { Identities } from './identity.js';
import { HistorySync } from './history.js';
import { WebjsAuthStore } from '../../authstore.js';

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

export class WebjsEngine extends Engine {
  static engineName = 'webjs';

  static normalizeOptions(options = {}) {
    return { ...options };
  }

  constructor(args) {
    super(args);
    this.lifecycle = new ClientLifecycle(this);
    this.sendChain = Promise.resolve();
    this.held = null; // array of deferred event emitters while a send is in flight
    this.created = new Set();
    this.presenceWatch = new PresenceWatch(this);
    this.actions = new MessageActions(this);
    this.eventChain = Promise.resolve();
    this.identities = new Identities(this);
    this.history = new HistorySync(this);
    const root = path.join(this.ctx.config.dataDir, 'webjs');
    // LocalAuth keeps the profile here; RemoteAuth (BRIDGE_AUTH_STORE=remote) unpacks it here from
    // Django's auth store and backs it up there.
    this.authDataPath = path.join(root, this.ctx.authStore ? 'remote-auth' : 'auth');
    this.cachePath = path.join(root, 'cache');
  }

  /**
   * LocalAuth under the data dir, or RemoteAuth over Django's auth store (the login survives a
   * move to another node). `lib`: whatsapp-web.js's exports.
   */
  authStrategy(lib) {
    const clientId = authClientId(this.id);
    const { authStore, config } = this.ctx;
    if (!authStore) return new lib.LocalAuth({ clientId, dataPath: this.authDataPath });
    const store = new WebjsAuthStore({ store: authStore, sessionId: this.id, dataPath: this.authDataPath });
    return new lib.RemoteAuth({ clientId, dataPath: this.authDataPath, store, backupSyncIntervalMs: config.authBackupMs });
  }

  /** The whatsapp-web.js Client for one attempt (tests override this with a fake client). */
  async createClient() {
    const lib = await wwebjs();
    const { config } = this.ctx;
    return new lib.Client({
      authStrategy: this.authStrategy(lib),
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

  /** The Chromium profile: LocalAuth's session-<id>, RemoteAuth's RemoteAuth-<id>. */
  get userDataDir() {
    return path.join(this.authDataPath, `${this.ctx.authStore ? 'RemoteAuth' : 'session'}-${authClientId(this.id)}`);
  }

  // --- lifecycle (lifecycle.js) ------------------------------------------------------------------

  /** Every status with a reason gets its reason_code from the raw reason (mapping.js). */
  async setStatus(status, options = {}) {
    return super.setStatus(status, { ...options, reasonCode: options.reasonCode ?? reasonCodeFor(options.reason) });
  }

  get client() {
    return this.lifecycle.client;
  }

  async start() {
    await this.lifecycle.start();
  }

  async stop() {
    await this.lifecycle.stop();
  }

  async logout() {
    await this.lifecycle.logout();
    await this.ctx.authStore?.delete(this.id).catch((err) => this.ctx.log.warn({ err: err.message }, 'removing the shared login failed'));
    await this.setStatus(SessionStatus.LOGGED_OUT, { phone: null, reason: 'logged out' });
  }

  /** Another node takes the session: the latest profile goes to the shared store first (RemoteAuth). */
  async release() {
    const strategy = this.client?.authStrategy;
    if (this.ctx.authStore && this.status === SessionStatus.CONNECTED && strategy?.storeRemoteSession) {
      await withTimeout(strategy.storeRemoteSession(), OP_TIMEOUT_MS * 4, () => new Error('backup timed out'))
        .catch((err) => this.ctx.log.warn({ err: firstLine(err) }, 'backing up the login before the release failed'));
    }
    await this.stop();
  }

  async restart() {
    await this.stop();
    this.lifecycle.attempt = 0;
    await this.start();
  }

  /** `ready`: connected, with the phone; the typing/presence listener goes into the page. */
  async onReady(client) {
    const phone = client.info?.wid?.user ?? null;
    this.me = client.info?.wid?._serialized ?? (phone ? `${phone}@c.us` : null);
    await this.setStatus(SessionStatus.CONNECTED, { phone, reason: null });
    this.presenceWatch.install(client);
    // Not awaited: the catch-up runs beside live events (both dedup by the wa index).
    this.history.sync(client).catch((err) => this.ctx.log.warn({ err: firstLine(err) }, 'history sync failed'));
  }

  // --- message events from whatsapp-web.js -----------------------------------------------------

  /** Run event handlers one after another, so events are queued in the order the client emitted them. */
  serial(name, fn) {
    return (...args) => {
      this.eventChain = this.eventChain.then(() => fn(...args)).catch((err) => this.ctx.log.error({ err, event: name }, 'webjs event handler failed'));
    };
  }

  /** `on(name, fn)`: a serialised handler that ignores events of a client that is no longer ours. */
  wireMessages(client, on) {
    on('message', async (msg) => this.#onIncoming(client, msg));
    on('message_create', async (msg) => {
      if (!msg.fromMe) return;
      this.actions.watchForward(msg);
      await this.#hold(() => this.#onOwnMessage(client, msg));
    });
    on('message_ack', async (msg, ack) => {
      const data = ackData(msg, ack);
      if (data) await this.#hold(() => this.ctx.emit(...events.messageAck(data)));
    });
    on('message_reaction', async (reaction) => {
      const data = reactionData(reaction);
      if (data.wa_message_id && data.from) await this.ctx.emit(...events.messageReaction(data));
    });
    on('message_edit', async (msg, newBody) => {
      const data = editData(msg, newBody);
      if (!this.actions.isEcho('edit', data.wa_message_id, data.body)) await this.ctx.emit(...events.messageEdited(data));
    });
    on('message_revoke_everyone', async (msg, revoked) => {
      const data = revokeData(msg, revoked);
      if (!this.actions.isEcho('revoke', data.wa_message_id)) await this.ctx.emit(...events.messageRevoked(data));
    });
  }

  /** Defer fn while a send is in flight (see the header), else run it now. */
  async #hold(fn) {
    if (this.held) this.held.push(fn);
    else await fn();
  }

  async downloadMedia(msg) {
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
    const media = await this.downloadMedia(msg);
    const data = messageData(msg, { me: this.me, media });
    if (data) await this.ctx.emit(...events.messageReceived({ ...data, ...(await this.identities.fieldsFor(client, data.chat_id)) }));
    this.presenceWatch.subscribe(client, data?.chat_id);
  }

  /** message_create with fromMe: ours (client_id known) or typed on the phone (client_id null). */
  async #onOwnMessage(client, msg) {
    const waId = msg.id._serialized;
    if (this.created.has(waId) || !messageType(msg)) return;
    const media = await this.downloadMedia(msg);
    const data = messageData(msg, { me: this.me, clientId: this.ctx.clientIdFor(waId), media });
    if (!data) return;
    this.markCreated(waId);
    await this.ctx.emit(...events.messageCreated({ ...data, ...(await this.identities.fieldsFor(client, data.chat_id)) }));
  }

  markCreated(waId) {
    this.created.add(waId);
    if (this.created.size > CREATED_MEMORY) this.created.delete(this.created.values().next().value);
  }

  // --- operations --------------------------------------------------------------------------------

  connectedClient() {
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
        // What WhatsApp gets: a voice note labelled as the Opus it must be (the stored media keeps its type).
        const mimetype = req.type === 'voice' ? voiceMimetype(req.media.mimetype) : req.media.mimetype;
        const media = new MessageMedia(mimetype, req.media.data.toString('base64'), req.media.filename ?? null, req.media.data.length);
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
    const client = this.connectedClient();
    return this.#chained(() => this.#sendNow(client, req));
  }

  async forwardMessage(req) {
    const client = this.connectedClient();
    return this.#chained(() => this.#holding(() => this.actions.forward(client, req)));
  }

  async editMessage(waMessageId, body) {
    return this.actions.edit(waMessageId, body);
  }

  async revokeMessage(waMessageId) {
    return this.actions.revoke(waMessageId);
  }

  /** One send at a time per session. */
  #chained(fn) {
    const run = this.sendChain.then(fn);
    this.sendChain = run.catch(() => {});
    return run;
  }

  /** Run fn with the client's message_create / message_ack events held until it is done. */
  async #holding(fn) {
    this.held = [];
    try {
      return await fn();
    } finally {
      const held = this.held;
      this.held = null;
      for (const hold of held) await hold().catch((err) => this.ctx.log.error({ err }, 'held webjs event failed'));
    }
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
    return this.#holding(async () => {
      let msg;
      try {
        msg = await withTimeout(client.sendMessage(req.to, content, options), SEND_TIMEOUT_MS, () => new Error(`no answer within ${SEND_TIMEOUT_MS} ms`));
      } catch (err) {
        throw new SendFailed(`whatsapp-web.js sendMessage failed: ${firstLine(err)}`, { maybeSent: true, cause: err });
      }
      const waId = msg.id._serialized;
      await this.ctx.rememberSend(waId, req.client_id);
      const data = messageData(msg, { me: this.me, clientId: req.client_id, media: mediaInfo });
      if (data && !this.created.has(waId)) {
        this.markCreated(waId);
        await this.ctx.emit(...events.messageCreated(data));
      }
      return { wa_message_id: waId, timestamp: msg.timestamp ?? Math.floor(Date.now() / 1000) };
    });
  }

  async sendSeen(chatId) {
    const client = this.connectedClient();
    await this.#op('sendSeen', () => client.sendSeen(chatId));
  }

  async sendTyping(chatId, state) {
    const client = this.connectedClient();
    await this.#op('typing', async () => {
      const chat = await client.getChatById(chatId);
      if (state === 'typing') await chat.sendStateTyping();
      else if (state === 'recording') await chat.sendStateRecording();
      else await chat.clearState();
    });
  }

  async react(waMessageId, emoji) {
    const client = this.connectedClient();
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
