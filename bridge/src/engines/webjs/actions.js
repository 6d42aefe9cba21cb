// The agent's actions on messages that already exist, through whatsapp-web.js: edit
// (Message.edit), delete for everyone (Message.delete(true)) and forward (Message.forward).
//
// Message.forward() in whatsapp-web.js 1.34 resolves to nothing: the new message's id comes from
// the message_create event the forward produces (ours, in the target chat, isForwarded), which the
// engine hands to watchForward() while the forward is in flight. Forwards run on the engine's send
// chain (one send at a time per session), so no other send of ours can be taken for it.
import { events } from '../../contract/index.js';
import { ErrorCode, SendFailed, engineError, messageActionRefused, messageNotFound } from '../../errors.js';
import { withTimeout } from '../../lib/async.js';
import { firstLine } from './lifecycle.js';
import { messageData } from './mapping.js';

// WhatsApp's limits: an edit within 15 minutes of sending, a delete for everyone within ~60 hours.
// Message.delete(true) silently deletes for us only when WhatsApp no longer allows revoking, so
// the bridge checks the window itself.
const EDIT_WINDOW_SECONDS = 15 * 60;
const REVOKE_WINDOW_SECONDS = 60 * 3600;
const OP_TIMEOUT_MS = 15_000;
const FORWARD_TIMEOUT_MS = 60_000;
const RECENT_MEMORY = 500; // our own edits/revokes, to drop the page's echo of them

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class MessageActions {
  /** @param {import('./engine.js').WebjsEngine} engine */
  constructor(engine) {
    this.engine = engine;
    this.recent = new Set(); // `${kind}\u0000${wa id}\u0000${body}` of what we emitted ourselves
    this.forwarding = null; // {to, type, resolve} while a forward waits for its message_create
  }

  #remember(key) {
    this.recent.add(key);
    if (this.recent.size > RECENT_MEMORY) this.recent.delete(this.recent.values().next().value);
  }

  /** The page echoes our own edit or revoke as an event: true when this one was ours, already emitted. */
  isEcho(kind, waMessageId, body = '') {
    return this.recent.delete(`${kind}\u0000${waMessageId}\u0000${body}`);
  }

  async #message(client, waMessageId) {
    let msg;
    try {
      msg = await withTimeout(client.getMessageById(waMessageId), OP_TIMEOUT_MS, () => new Error('getMessageById timed out'));
    } catch (err) {
      throw new SendFailed(`looking up ${waMessageId} failed: ${firstLine(err)}`, { maybeSent: false, cause: err });
    }
    if (!msg) throw messageNotFound(waMessageId);
    return msg;
  }

  async edit(waMessageId, body) {
    const client = this.engine.connectedClient();
    const msg = await this.#message(client, waMessageId);
    if (!msg.fromMe) throw messageActionRefused(ErrorCode.MESSAGE_NOT_EDITABLE, "only this number's own messages can be edited");
    if (msg.type === 'revoked') throw messageActionRefused(ErrorCode.MESSAGE_NOT_EDITABLE, 'the message was deleted');
    if (nowSeconds() - msg.timestamp > EDIT_WINDOW_SECONDS) throw messageActionRefused(ErrorCode.EDIT_WINDOW_PASSED, 'WhatsApp allows edits within 15 minutes of sending');
    if (msg.body !== body) {
      // The page may echo the edit before edit() resolves: expect it first.
      const echo = `edit\u0000${waMessageId}\u0000${body}`;
      this.#remember(echo);
      let edited;
      try {
        edited = await withTimeout(msg.edit(body), OP_TIMEOUT_MS, () => new Error('edit timed out'));
      } catch (err) {
        this.recent.delete(echo);
        throw engineError(`whatsapp-web.js edit failed: ${firstLine(err)}`, err);
      }
      if (!edited) {
        this.recent.delete(echo);
        throw messageActionRefused(ErrorCode.MESSAGE_NOT_EDITABLE, 'WhatsApp does not allow editing this message');
      }
      await this.engine.ctx.emit(...events.messageEdited({ wa_message_id: waMessageId, body }));
    }
    return { wa_message_id: waMessageId, body };
  }

  async revoke(waMessageId) {
    const client = this.engine.connectedClient();
    const msg = await this.#message(client, waMessageId);
    if (msg.type === 'revoked') return { wa_message_id: waMessageId, revoked: true };
    if (!msg.fromMe) throw messageActionRefused(ErrorCode.MESSAGE_NOT_REVOCABLE, "only this number's own messages can be deleted for everyone");
    if (nowSeconds() - msg.timestamp > REVOKE_WINDOW_SECONDS) throw messageActionRefused(ErrorCode.REVOKE_WINDOW_PASSED, 'WhatsApp allows deleting for everyone within about 60 hours');
    const echo = `revoke\u0000${waMessageId}\u0000`;
    this.#remember(echo);
    try {
      await withTimeout(msg.delete(true), OP_TIMEOUT_MS, () => new Error('delete timed out'));
    } catch (err) {
      this.recent.delete(echo);
      throw engineError(`whatsapp-web.js delete failed: ${firstLine(err)}`, err);
    }
    await this.engine.ctx.emit(...events.messageRevoked({ wa_message_id: waMessageId }));
    return { wa_message_id: waMessageId, revoked: true };
  }

  /** message_create (fromMe) while a forward is in flight: true when it is the forward's new message. */
  watchForward(msg) {
    const f = this.forwarding;
    if (!f || msg.to !== f.to || !(msg.isForwarded || msg._data?.isForwarded) || msg.type !== f.type) return false;
    this.forwarding = null;
    f.resolve(msg);
    return true;
  }

  /** Runs on the engine's send chain, with its events held (engine.#sendNow's protocol). */
  async forward(client, req) {
    const source = await this.#message(client, req.forward_of);
    if (source.type === 'revoked') throw messageNotFound(req.forward_of);
    let resolve;
    const created = new Promise((r) => { resolve = r; });
    this.forwarding = { to: req.to, type: source.type, resolve };
    let msg;
    try {
      await withTimeout(source.forward(req.to), FORWARD_TIMEOUT_MS, () => new Error(`no answer within ${FORWARD_TIMEOUT_MS} ms`));
      msg = await withTimeout(created, FORWARD_TIMEOUT_MS, () => new Error('the forwarded message was not reported'));
    } catch (err) {
      throw new SendFailed(`whatsapp-web.js forward failed: ${firstLine(err)}`, { maybeSent: true, cause: err });
    } finally {
      this.forwarding = null;
    }
    const waId = msg.id._serialized;
    await this.engine.ctx.rememberSend(waId, req.client_id);
    const media = await this.engine.downloadMedia(msg);
    const data = messageData(msg, { me: this.engine.me, clientId: req.client_id, media });
    if (data && !this.engine.created.has(waId)) {
      this.engine.markCreated(waId);
      await this.engine.ctx.emit(...events.messageCreated({ ...data, forwarded: true }));
    }
    return { wa_message_id: waId, timestamp: msg.timestamp ?? nowSeconds() };
  }
}
