// The engine contract: one instance per session. Routes call only these methods; what an engine
// cannot do throws NotSupportedByEngine (422), like WAHA's session.abc.ts. Engine-specific objects
// (whatsapp-web.js Message, puppeteer pages) never leave the engine's folder: engines emit events
// through ctx.emit with the builders from contract/index.js.
import { NotSupportedByEngine, sessionNotConnected } from '../errors.js';
import { ReasonCode, SessionStatus, events } from '../contract/index.js';

/**
 * @typedef {object} EngineContext
 * @property {(type: string, data: object) => Promise<string>} emit  durable: resolves once on disk
 * @property {import('../media.js').MediaStore} media
 * @property {(patch: object) => Promise<void>} saveState  persist engine state (survives restarts)
 * @property {(raw: string) => Promise<string>} renderQr  the QR's PNG data URL (the runtime renders it)
 * @property {object} config
 * @property {object} log
 */

export class Engine {
  /** The engine's name in POST /sessions {engine}. */
  static engineName = 'base';

  /** Validate and default `options`; throw invalid_request with fields on bad input. */
  static normalizeOptions(options) {
    return options || {};
  }

  /**
   * @param {{id: string, workspace: string, options: object, state: object, ctx: EngineContext}} args
   */
  constructor({ id, workspace, options, state, ctx }) {
    this.id = id;
    this.workspace = workspace;
    this.options = options;
    this.state = state || {};
    this.ctx = ctx;
    this.status = SessionStatus.STARTING;
    this.phone = this.state.phone || null;
    this.reason = null;
    this.reasonCode = null;
    this.qr = null;
    this.qrDataUrl = null;
  }

  get engine() {
    return this.constructor.engineName;
  }

  // --- lifecycle -------------------------------------------------------------------------------

  /** Begin connecting; returns quickly (background work reports through statuses). */
  async start() {
    throw new NotSupportedByEngine(this.engine, 'start');
  }

  /** Process shutdown: release resources without logging out; the next start resumes. */
  async stop() {}

  /** DELETE /sessions/:id: log out of WhatsApp and forget credentials; emits logged_out. */
  async logout() {
    await this.stop();
    await this.setStatus(SessionStatus.LOGGED_OUT, { reason: 'deleted', reasonCode: ReasonCode.LOGGED_OUT });
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  /** POST /sessions/:id/release: stop without logging out, the login kept for the next node. */
  async release() {
    await this.stop();
  }

  // --- operations ------------------------------------------------------------------------------

  /** @returns {Promise<{wa_message_id: string, timestamp: number}>} after message.created is on disk */
  async sendMessage(_request) {
    throw new NotSupportedByEngine(this.engine, 'sending messages');
  }

  async sendSeen(_chatId) {
    throw new NotSupportedByEngine(this.engine, 'read receipts');
  }

  async sendTyping(_chatId, _state) {
    throw new NotSupportedByEngine(this.engine, 'typing states');
  }

  async react(_waMessageId, _emoji) {
    throw new NotSupportedByEngine(this.engine, 'reactions');
  }

  /** Forward our or a customer's message to `req.to`: same answer as sendMessage; message.created has forwarded: true. */
  async forwardMessage(_req) {
    throw new NotSupportedByEngine(this.engine, 'forwarding');
  }

  /** Edit one of our text messages (WhatsApp allows 15 minutes); emits message.edited. @returns {Promise<{wa_message_id, body}>} */
  async editMessage(_waMessageId, _body) {
    throw new NotSupportedByEngine(this.engine, 'editing messages');
  }

  /** Delete one of our messages for everyone; emits message.revoked (once). @returns {Promise<{wa_message_id, revoked: true}>} */
  async revokeMessage(_waMessageId) {
    throw new NotSupportedByEngine(this.engine, 'deleting messages');
  }

  async requestPairingCode(_phone) {
    throw new NotSupportedByEngine(this.engine, 'pairing codes');
  }

  // --- shared helpers --------------------------------------------------------------------------

  assertConnected() {
    if (this.status !== SessionStatus.CONNECTED) throw sessionNotConnected(this.id, this.status);
  }

  /**
   * Move to `status` and emit session.status (only when something changed). `reasonCode`: one of
   * the contract's status_reason_codes, for a status with a reason.
   */
  async setStatus(status, { phone = this.phone, reason = null, reasonCode = null } = {}) {
    if (status === this.status && phone === this.phone && reason === this.reason && this._announced) return;
    this._announced = true;
    this.status = status;
    this.phone = phone;
    this.reason = reason;
    this.reasonCode = reason ? reasonCode : null;
    if (status !== SessionStatus.QR) {
      this.qr = null;
      this.qrDataUrl = null;
    }
    if (phone && phone !== this.state.phone) await this.ctx.saveState({ phone });
    await this.ctx.emit(...events.sessionStatus({ status, phone, reason, reason_code: this.reasonCode }));
  }

  /** A new QR to scan: status qr (announced once) and session.qr with the raw string and its PNG data URL. */
  async setQr(raw) {
    this.qr = raw;
    this.qrDataUrl = await this.ctx.renderQr(raw);
    if (this.status !== SessionStatus.QR) {
      this._announced = true;
      this.status = SessionStatus.QR;
      this.reason = null;
      this.reasonCode = null;
      await this.ctx.emit(...events.sessionStatus({ status: SessionStatus.QR, phone: this.phone, reason: null }));
    }
    await this.ctx.emit(...events.sessionQr({ qr: raw, qr_data_url: this.qrDataUrl }));
  }

  toJSON() {
    return {
      id: this.id,
      engine: this.engine,
      workspace: this.workspace,
      status: this.status,
      qr: this.status === SessionStatus.QR ? this.qrDataUrl : null,
      qr_raw: this.status === SessionStatus.QR ? this.qr : null,
      phone: this.phone,
      node: this.ctx.config.nodeId,
      epoch: this.ctx.epoch(),
      reason: this.reason,
      reason_code: this.reasonCode,
    };
  }
}
