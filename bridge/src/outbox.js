// The durable webhook outbox: engine event -> disk -> signed POST to Django, until a 2xx.
//
// Guarantees (docs/bridge.md, "Outbox guarantees"):
// - enqueue() resolves only once the event is committed to LMDB: callers (engines, routes) await it
//   before they return, so an event the bridge told anyone about survives kill -9.
// - At least once: an event leaves the outbox only after Django answered 2xx, or as a dead letter.
//   401/403 (a secret misconfiguration: fixing it must recover everything), 408, 429, 5xx, network
//   errors and any other status are retried forever. 400, 404, 410, 413 and 422 (Django will never
//   accept this event; a 404 may also be a session row not yet committed) are retried with the same
//   backoff up to `deadLetterAfter` rejections, then the event moves to the `dead` db in one LMDB
//   transaction (removed from the outbox, kept with its last status and answer) and the session's
//   next event goes. retryDead() puts it back at the end of its session's queue, same webhook-id.
// - In order per session: one delivery loop per session, the next event is not POSTed before the
//   previous one got its 2xx (or was dead-lettered). Sessions deliver independently, at most
//   `concurrency` POSTs at once.
// - webhook-id is fixed at enqueue and stable across retries and restarts; the signature and
//   webhook-timestamp are made per attempt (verifiers reject timestamps older than 5 minutes) over
//   the exact bytes stored at enqueue.
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { Store } from './store.js';
import { deadLetterNotFound } from './errors.js';
import { newEventId } from './lib/ids.js';
import { Semaphore, backoffDelay, sleep } from './lib/async.js';
import { BATCH_MAX_BYTES, batchResults, buildBatch } from './batch.js';
import { listDeadLetters } from './deadletters.js';

// After Django refused a batch (no batch support yet), events go one per POST this long.
const BATCH_RETRY_AFTER_MS = 5 * 60_000;

/** Answers that say Django will never accept this event as it is: dead-lettered after a bound. */
export const DEAD_LETTER_STATUSES = Object.freeze([400, 404, 410, 413, 422]);
const DEAD_LETTER_SET = new Set(DEAD_LETTER_STATUSES);

/**
 * What to do after a non-2xx `outcome` ({status, error}): 'reject' counts towards the dead-letter
 * bound; 'retry' is retried forever (401/403: our secret or URL is wrong, fixing the config must
 * recover every event; 408, 429, 5xx, network errors: Django is away or busy; any other status:
 * unexpected, so losing the event would be worse than retrying it).
 */
export function failureKind(outcome) {
  return DEAD_LETTER_SET.has(outcome.status) ? 'reject' : 'retry';
}

export class Outbox {
  constructor({ store, url, secret, logger, metrics = null, minBackoffMs = 500, maxBackoffMs = 30_000, requestTimeoutMs = 15_000, concurrency = 32, deadLetterAfter = 8, batchMax = 1 }) {
    this.root = store.root;
    this.db = store.outbox;
    this.dead = store.dead;
    this.meta = store.meta;
    this.metrics = metrics;
    this.batchMax = batchMax;
    this.deadLetterAfter = deadLetterAfter;
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
    this.batchRefusedUntil = 0;
    this.loops = new Map(); // session_id -> running delivery loop promise
    this.lastDelivered = new Map(); // session_id -> seq of the last event removed (skip pending removals)
    this.pending = new Set(); // sessions with events on disk
    this.stopController = new AbortController();
    this.started = false;
    this.stats = { delivered: 0, failedAttempts: 0, deadLettered: 0 };
    this.deadCount = this.dead.getKeysCount();
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
    let attempt = 0; // POSTs of the head event so far (backoff, x-blazz-attempt)
    let rejections = 0; // of which answered with a dead-letter status
    while (!signal.aborted) {
      const entry = this.#head(sessionId);
      if (!entry) {
        // Synchronous check-and-exit: a later enqueue sees no loop and starts a fresh one.
        this.pending.delete(sessionId);
        this.loops.delete(sessionId);
        return;
      }
      const batch = this.#batchFor(sessionId);
      await this.semaphore.acquire();
      let outcome;
      try {
        if (signal.aborted) return;
        outcome = await this.#post(batch ? batch.record : entry.value, attempt, batch ? batch.entries.length : 1);
      } finally {
        this.semaphore.release();
      }
      if (batch && (outcome.ok || failureKind(outcome) === 'reject')) {
        const settled = outcome.ok ? await this.#settleBatch(sessionId, batch, outcome) : 0;
        if (settled) {
          attempt = 0;
          rejections = 0;
          continue;
        }
        // A Django without batches (a 4xx, or a 2xx that is no batch answer): one event per POST
        // for a while; the head goes alone right now.
        this.batchRefusedUntil = Date.now() + BATCH_RETRY_AFTER_MS;
        this.log.warn({ session_id: sessionId, status: outcome.status, response: outcome.text?.slice(0, 200) }, 'Django refused a batch; delivering one event per POST for a while');
        continue;
      }
      if (outcome.ok) {
        attempt = 0;
        rejections = 0;
        this.lastDelivered.set(sessionId, entry.key[1]);
        this.depth--;
        this.stats.delivered++;
        // Not awaited: the in-memory lastDelivered skips it meanwhile; a crash before the commit
        // only means one more (deduplicated) delivery.
        this.db.remove(entry.key).catch((err) => this.log.error({ err, key: entry.key }, 'outbox remove failed'));
        continue;
      }
      this.stats.failedAttempts++;
      attempt++;
      const context = { session_id: sessionId, webhook_id: entry.value.id, type: entry.value.type, attempt };
      if (failureKind(outcome) === 'reject') {
        rejections++;
        if (rejections >= this.deadLetterAfter) {
          await this.#deadLetter(sessionId, entry, outcome, attempt);
          attempt = 0;
          rejections = 0;
          continue;
        }
      }
      const delay = backoffDelay(attempt - 1, { minMs: this.minBackoffMs, maxMs: this.maxBackoffMs });
      this.#logFailure({ ...context, retry_in_ms: delay }, outcome, rejections);
      await sleep(delay, signal);
    }
  }

  /** A batch of the session's backlog when batching is on, not refused lately, and 2+ events wait. */
  #batchFor(sessionId) {
    if (this.batchMax < 2 || Date.now() < this.batchRefusedUntil) return null;
    const after = this.lastDelivered.get(sessionId) ?? 0;
    const end = Store.prefixRange(sessionId).end;
    return buildBatch(this.db.getRange({ start: [sessionId, after + 1], end, limit: this.batchMax }), this.batchMax);
  }

  /**
   * Apply Django's per-event results: done ones leave the outbox, rejected ones become dead letters
   * (Django already judged them; no retries), in one transaction; the rest stay for the next POST.
   * Returns how many were settled (0: the answer was not a batch answer).
   */
  async #settleBatch(sessionId, batch, outcome) {
    const results = batchResults(outcome.text, batch.entries);
    if (!results?.length) return 0;
    const now = Date.now();
    let rejected = 0;
    await this.root.transaction(() => {
      for (const { entry, outcome: result, error } of results) {
        this.db.remove(entry.key);
        if (result !== 'rejected') continue;
        rejected++;
        this.dead.put(entry.value.id, {
          ...entry.value, session_id: sessionId, attempts: 1, last_status: outcome.status,
          last_response: JSON.stringify(error).slice(0, 500), dead_at: now,
        });
      }
      if (rejected) this.meta.put('dead_lettered_total', (this.meta.get('dead_lettered_total') ?? 0) + rejected);
    });
    this.lastDelivered.set(sessionId, results.at(-1).entry.key[1]);
    this.depth -= results.length;
    this.deadCount += rejected;
    this.stats.delivered += results.length - rejected;
    this.stats.deadLettered += rejected;
    this.stats.batches = (this.stats.batches ?? 0) + 1;
    if (rejected) this.log.error({ session_id: sessionId, rejected }, 'Django rejected events of a batch: dead-lettered (GET /outbox/dead)');
    return results.length;
  }

  #logFailure(context, outcome, rejections) {
    const { status } = outcome;
    if (status === 401 || status === 403) {
      this.log.error({ ...context, status, response: outcome.text }, 'webhook refused: check DJANGO_WEBHOOK_URL and BRIDGE_WEBHOOK_SECRET; retrying until it is fixed');
    } else if (failureKind(outcome) === 'reject') {
      this.log.error({ ...context, status, response: outcome.text, rejections, dead_letter_after: this.deadLetterAfter }, 'webhook rejected; retrying, then dead-lettering it');
    } else if (status >= 400 && status < 500 && status !== 408 && status !== 429) {
      this.log.error({ ...context, status, response: outcome.text }, 'webhook answered with an unexpected 4xx; retrying');
    } else {
      this.log.warn({ ...context, status, error: outcome.error }, 'webhook delivery failed; retrying');
    }
  }

  /** Move the head event to the dead db: one transaction, so it is in exactly one of the two. */
  async #deadLetter(sessionId, entry, outcome, attempts) {
    const record = {
      ...entry.value,
      session_id: sessionId,
      attempts,
      last_status: outcome.status,
      last_response: outcome.text ?? outcome.error ?? null,
      dead_at: Date.now(),
    };
    await this.root.transaction(() => {
      this.db.remove(entry.key);
      this.dead.put(record.id, record);
      this.meta.put('dead_lettered_total', (this.meta.get('dead_lettered_total') ?? 0) + 1);
    });
    this.lastDelivered.set(sessionId, entry.key[1]);
    this.depth--;
    this.deadCount++;
    this.stats.deadLettered++;
    this.log.error(
      { session_id: sessionId, webhook_id: record.id, type: record.type, attempts, status: record.last_status, response: record.last_response },
      'webhook dead-lettered: Django rejected it every time; the session goes on with its next event (GET /outbox/dead, POST /outbox/dead/:id/retry)',
    );
  }

  /** GET /outbox/dead: a page of dead letters (deadletters.js). */
  deadLetters(options = {}) {
    return listDeadLetters(this.dead, this.deadCount, options);
  }

  /**
   * Put a dead letter back at the end of its session's queue, with the same webhook-id and bytes
   * (an operator fixed Django and replays it). Resolves once committed.
   */
  async retryDead(id) {
    if (this.stopController.signal.aborted) throw new Error('outbox is stopped');
    // The seq is taken now, in call order with enqueue(): lmdb-js commits writes in call order.
    const seq = ++this.seq;
    const record = await this.root.transaction(() => {
      const dead = this.dead.get(id);
      if (!dead) return null;
      this.dead.remove(id);
      this.db.put([dead.session_id, seq], { id: dead.id, type: dead.type, body: dead.body, enqueued_at: Date.now(), replays: (dead.replays ?? 0) + 1 });
      return dead;
    });
    if (!record) throw deadLetterNotFound(id);
    this.deadCount--;
    this.depth++;
    this.log.info({ session_id: record.session_id, webhook_id: id, type: record.type }, 'dead letter queued again');
    this.#kick(record.session_id);
    return { id, session_id: record.session_id, type: record.type, queued: true };
  }

  async #post(record, attempt, events = 1) {
    const started = process.hrtime.bigint();
    const outcome = await this.#request(record, attempt, events > 1 ? BATCH_MAX_BYTES : 500);
    const kind = outcome.ok ? 'delivered' : failureKind(outcome) === 'reject' ? 'rejected' : 'failed';
    this.metrics?.delivery(kind, Number(process.hrtime.bigint() - started) / 1e9, events);
    return outcome;
  }

  async #request(record, attempt, keepBytes) {
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
          if (size < keepBytes) chunks.push(c);
          size += c.length;
        });
        res.on('end', () => finish({ ok: res.statusCode >= 200 && res.statusCode < 300, status: res.statusCode, text: Buffer.concat(chunks).toString('utf8').slice(0, keepBytes) }));
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

  /** Events ever dead-lettered by this node's store (not reset by a restart or a retry). */
  deadLetteredTotal() {
    return this.meta.get('dead_lettered_total') ?? 0;
  }

  /** Depth, the age of the oldest undelivered event and the dead-letter count, for /health. */
  health() {
    let oldest = null;
    for (const sessionId of this.pending) {
      const head = this.#head(sessionId);
      if (head && (oldest === null || head.value.enqueued_at < oldest)) oldest = head.value.enqueued_at;
    }
    return {
      depth: this.depth,
      oldest_age_seconds: oldest === null ? 0 : Math.max(0, (Date.now() - oldest) / 1000),
      dead_letters: this.deadCount,
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
