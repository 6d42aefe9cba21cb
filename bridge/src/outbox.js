// The durable webhook outbox: engine event -> disk -> signed POST to Django, until a 2xx.
//
// Guarantees (docs/bridge.md, "Outbox"):
// - enqueue() resolves only once the event is committed to LMDB: callers (engines, routes) await it
//   before they return, so an event the bridge told anyone about survives kill -9.
// - At least once: an event is removed only after Django answered 2xx. Every non-2xx is retried,
//   4xx included (logged at error level: Django answers 2xx for duplicates, so a 4xx means a
//   misconfiguration, and losing events is worse than retrying them).
// - In order per session: one delivery loop per session, the next event is not POSTed before the
//   previous one got its 2xx. Sessions deliver independently, at most `concurrency` POSTs at once.
// - webhook-id is fixed at enqueue and stable across retries and restarts; the signature and
//   webhook-timestamp are made per attempt (verifiers reject timestamps older than 5 minutes) over
//   the exact bytes stored at enqueue.
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { Store } from './store.js';
import { newEventId } from './lib/ids.js';
import { Semaphore, backoffDelay, sleep } from './lib/async.js';

export class Outbox {
  constructor({ store, url, secret, logger, minBackoffMs = 500, maxBackoffMs = 30_000, requestTimeoutMs = 15_000, concurrency = 32 }) {
    this.db = store.outbox;
    this.url = url;
    this.webhook = new Webhook(secret);
    this.log = logger;
    this.minBackoffMs = minBackoffMs;
    this.maxBackoffMs = maxBackoffMs;
    this.requestTimeoutMs = requestTimeoutMs;
    this.semaphore = new Semaphore(concurrency);
    this.target = new URL(url);
    this.transport = this.target.protocol === 'https:' ? https : http;
    // Keep-alive connections, at most one per concurrent delivery.
    this.agent = new this.transport.Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
    this.seq = 0;
    this.depth = 0;
    this.loops = new Map(); // session_id -> running delivery loop promise
    this.lastDelivered = new Map(); // session_id -> seq of the last event removed (skip pending removals)
    this.pending = new Set(); // sessions with events on disk
    this.stopController = new AbortController();
    this.started = false;
    this.stats = { delivered: 0, failedAttempts: 0 };
    this.#scan();
  }

  /** Count what is on disk and find the highest seq, so new events sort after old ones. */
  #scan() {
    for (const key of this.db.getKeys({})) {
      const [sessionId, seq] = key;
      this.depth++;
      this.pending.add(sessionId);
      if (seq > this.seq) this.seq = seq;
    }
  }

  /** Start delivering, including whatever a previous run left on disk. */
  start() {
    this.started = true;
    for (const sessionId of this.pending) this.#kick(sessionId);
  }

  /**
   * Put one event on disk. Resolves (to the event id) once committed: await it before telling
   * anyone the thing happened. Order of calls = order of delivery within a session.
   * `alongside`, when given, runs inside the same LMDB transaction (its puts and removes commit
   * with the event or not at all): an engine that records "this event was emitted" next to the
   * event can never emit it twice or lose it across kill -9.
   */
  async enqueue(sessionId, envelope, alongside = null) {
    if (this.stopController.signal.aborted) throw new Error('outbox is stopped');
    const seq = ++this.seq;
    const id = newEventId();
    const record = { id, type: envelope.type, body: JSON.stringify(envelope), enqueued_at: Date.now() };
    this.depth++;
    this.pending.add(sessionId);
    try {
      if (alongside) {
        // A child transaction: if `alongside` throws, the event is rolled back with it.
        await this.db.childTransaction(() => {
          this.db.put([sessionId, seq], record);
          alongside();
        });
      } else {
        await this.db.put([sessionId, seq], record);
      }
    } catch (err) {
      this.depth--;
      throw err;
    }
    this.#kick(sessionId);
    return id;
  }

  #kick(sessionId) {
    this.pending.add(sessionId);
    if (!this.started || this.loops.has(sessionId) || this.stopController.signal.aborted) return;
    const loop = this.#deliverLoop(sessionId).catch((err) => {
      this.log.error({ err, session_id: sessionId }, 'outbox delivery loop crashed; restarting it');
      setTimeout(() => this.#kick(sessionId), this.minBackoffMs).unref();
    }).finally(() => {
      if (this.loops.get(sessionId) === loop) this.loops.delete(sessionId);
    });
    this.loops.set(sessionId, loop);
  }

  #head(sessionId) {
    const after = this.lastDelivered.get(sessionId) ?? 0;
    const end = Store.prefixRange(sessionId).end;
    for (const entry of this.db.getRange({ start: [sessionId, after + 1], end, limit: 1 })) return entry;
    return null;
  }

  async #deliverLoop(sessionId) {
    const signal = this.stopController.signal;
    let attempt = 0;
    while (!signal.aborted) {
      const entry = this.#head(sessionId);
      if (!entry) {
        // Synchronous check-and-exit: a later enqueue sees no loop and starts a fresh one.
        this.pending.delete(sessionId);
        this.loops.delete(sessionId);
        return;
      }
      await this.semaphore.acquire();
      let outcome;
      try {
        if (signal.aborted) return;
        outcome = await this.#post(entry.value, attempt);
      } finally {
        this.semaphore.release();
      }
      if (outcome.ok) {
        attempt = 0;
        this.lastDelivered.set(sessionId, entry.key[1]);
        this.depth--;
        this.stats.delivered++;
        // Not awaited: the in-memory lastDelivered skips it meanwhile; a crash before the commit
        // only means one more (deduplicated) delivery.
        this.db.remove(entry.key).catch((err) => this.log.error({ err, key: entry.key }, 'outbox remove failed'));
        continue;
      }
      this.stats.failedAttempts++;
      const delay = backoffDelay(attempt, { minMs: this.minBackoffMs, maxMs: this.maxBackoffMs });
      const context = { session_id: sessionId, webhook_id: entry.value.id, type: entry.value.type, attempt: attempt + 1, retry_in_ms: delay };
      if (outcome.status >= 400 && outcome.status < 500 && outcome.status !== 408 && outcome.status !== 429) {
        this.log.error({ ...context, status: outcome.status, response: outcome.text }, 'webhook rejected with a 4xx: check DJANGO_WEBHOOK_URL and BRIDGE_WEBHOOK_SECRET; retrying anyway');
      } else {
        this.log.warn({ ...context, status: outcome.status, error: outcome.error }, 'webhook delivery failed; retrying');
      }
      attempt++;
      await sleep(delay, signal);
    }
  }

  async #post(record, attempt) {
    const now = new Date();
    const body = Buffer.from(record.body, 'utf8');
    const headers = {
      'content-type': 'application/json',
      'content-length': body.length,
      'user-agent': 'blazz-bridge',
      'webhook-id': record.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(record.id, now, record.body),
      'x-blazz-attempt': String(attempt + 1),
    };
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.stopController.signal.removeEventListener('abort', onStop);
        resolve(outcome);
      };
      const req = this.transport.request(this.target, { method: 'POST', headers, agent: this.agent }, (res) => {
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          if (size < 500) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => finish({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, text: Buffer.concat(chunks).toString('utf8').slice(0, 500) }));
        res.on('error', (err) => finish({ ok: false, status: 0, error: err.code || err.message }));
      });
      // Node's http timers are per socket; our own bound covers connect + answer.
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs);
      const onStop = () => req.destroy(new Error('outbox stopping'));
      this.stopController.signal.addEventListener('abort', onStop, { once: true });
      req.on('error', (err) => finish({ ok: false, status: 0, error: err.code || err.message }));
      req.end(body);
    });
  }

  /** Depth and the age of the oldest undelivered event, for /health. */
  health() {
    let oldest = null;
    for (const sessionId of this.pending) {
      const head = this.#head(sessionId);
      if (head && (oldest === null || head.value.enqueued_at < oldest)) oldest = head.value.enqueued_at;
    }
    return {
      depth: this.depth,
      oldest_age_seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
    };
  }

  /** Stop delivering: in-flight POSTs are aborted and stay on disk for the next start. */
  async stop() {
    this.stopController.abort();
    await Promise.allSettled([...this.loops.values()]);
    this.agent.destroy();
    await this.db.flushed;
  }
}
