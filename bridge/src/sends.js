// At-most-once sends per (session, client_id), durable in the store.
//
// A record is written as "in_flight" (committed) BEFORE the engine is called, then "sent" with the
// answer, in the same LMDB transaction as the engine's message.created event for it (recordCreated,
// run by the session's emit): a kill -9 between the two cannot leave a sent message "in_flight".
// Repeats:
//   - same client_id, different payload                 -> 409 client_id_conflict
//   - same payload, answer known ("sent")                -> 200 with the first answer, nothing sent
//   - same payload, the first request still running here -> waits for it and answers the same
//     (or fails the same way)
//   - same payload, "in_flight" left by a process that died mid-send, or "unknown" (the engine
//     failed after it may have sent)                     -> 409 send_outcome_unknown; never re-sent.
//     The engine's message.created event (queued before the engine call returned) still tells
//     Django the wa id if the message did leave.
// A send that certainly did not leave (session not connected, media fetch failed, engine refused
// before sending) removes the record, so a retry with the same client_id sends.
import crypto from 'node:crypto';
import { BridgeError, SendFailed, clientIdConflict, sendInProgress, sendOutcomeUnknown, invalidRequest } from './errors.js';
import { normalizeChatId } from './lib/chatid.js';
import { validateSendRequest } from './messages.js';

const BOOT_ID = crypto.randomUUID();

function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().filter((k) => value[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export const payloadHash = (request) => crypto.createHash('sha256').update(canonical(request)).digest('hex');

export class SendRegistry {
  constructor({ store, media, log, ttlMs }) {
    this.db = store.sends;
    this.media = media;
    this.log = log;
    this.ttlMs = ttlMs;
    this.live = new Map(); // `${session}\u0000${client_id}` -> {hash, promise}
  }

  /** @returns {Promise<{statusCode: 200|201, body: {wa_message_id, client_id, timestamp}}>} */
  async send(session, request) {
    try {
      const answer = await this.#send(session, request);
      this.metrics?.send(answer.statusCode === 201 ? 'sent' : 'repeat');
      return answer;
    } catch (err) {
      this.metrics?.send(err instanceof BridgeError ? err.code : 'error');
      throw err;
    }
  }

  async #send(session, request) {
    const to = normalizeChatId(request.to);
    if (!to) throw invalidRequest('to is not a chat id or phone number', { to: 'expected digits or an id like 6281234567890@c.us' });
    validateSendRequest(request);
    const hash = payloadHash(request);
    const liveKey = `${session.id}\u0000${request.client_id}`;
    const live = this.live.get(liveKey);
    if (live) {
      if (live.hash !== hash) throw clientIdConflict(request.client_id);
      return { statusCode: 200, body: await live.promise };
    }
    const key = [session.id, request.client_id];
    const record = this.db.get(key);
    if (record) {
      if (record.hash !== hash) throw clientIdConflict(request.client_id);
      if (record.state === 'sent') return { statusCode: 200, body: record.answer };
      if (record.state === 'in_flight' && record.boot === BOOT_ID) throw sendInProgress(request.client_id);
      throw sendOutcomeUnknown(request.client_id, record.reason || 'the bridge stopped during the send');
    }
    session.assertConnected();
    const promise = this.#sendOnce(session, key, hash, { ...request, to });
    this.live.set(liveKey, { hash, promise });
    try {
      return { statusCode: 201, body: await promise };
    } finally {
      this.live.delete(liveKey);
    }
  }

  async #sendOnce(session, key, hash, request) {
    await this.db.put(key, { state: 'in_flight', hash, boot: BOOT_ID, at: Date.now() });
    let result;
    try {
      if (request.forward_of) {
        result = await session.forwardMessage(request);
      } else {
        const media = request.media ? await this.media.resolve(request.media) : null;
        result = await session.sendMessage({ ...request, media });
      }
    } catch (err) {
      const maybeSent = err instanceof SendFailed ? err.maybeSent : !(err instanceof BridgeError);
      if (maybeSent) {
        await this.db.put(key, { state: 'unknown', hash, reason: err.message, at: Date.now() });
      } else {
        await this.db.remove(key);
      }
      throw err instanceof BridgeError ? err : new SendFailed(`send failed: ${err.message}`, { maybeSent: true, cause: err });
    }
    const answer = { wa_message_id: result.wa_message_id, client_id: request.client_id, timestamp: result.timestamp };
    // Usually recorded already, with message.created; an engine that found the event emitted by
    // another path (webjs: the page's message_create) did not, so it is written here.
    if (this.db.get(key)?.state !== 'sent') await this.db.put(key, { state: 'sent', hash, answer, at: Date.now() });
    return answer;
  }

  /**
   * Inside the transaction that queues message.created for one of our sends: its record becomes
   * "sent" with the answer the HTTP request gets. Synchronous (LMDB transaction callback); does
   * nothing for a message typed on the phone.
   */
  recordCreated(sessionId, data) {
    if (!data.client_id) return;
    const key = [sessionId, data.client_id];
    const record = this.db.get(key);
    if (record?.state !== 'in_flight') return;
    const answer = { wa_message_id: data.wa_message_id, client_id: data.client_id, timestamp: data.timestamp };
    this.db.put(key, { state: 'sent', hash: record.hash, answer, at: Date.now() });
  }

  /** Drop finished records older than the TTL (far beyond any Celery retry window). */
  async prune(now = Date.now()) {
    let removed = 0;
    await this.db.transaction(() => {
      for (const { key, value } of this.db.getRange({})) {
        if (value.state !== 'in_flight' && now - value.at > this.ttlMs) {
          this.db.remove(key);
          removed++;
        }
      }
    });
    return removed;
  }
}
