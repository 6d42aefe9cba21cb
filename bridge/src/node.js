// This node in a cluster of bridge nodes (issue 18): a heartbeat every BRIDGE_HEARTBEAT_SECONDS to
// Django (a signed POST to DJANGO_WEBHOOK_URL, same secret as the events, NOT through the durable
// outbox: a lost beat is replaced by the next one) with the node's load; Django's answer may carry
// the set of sessions this node should hold: missing ones are started, unlisted ones released.
// Without a `sessions` key in the answer (a Django without the registry) nothing changes.
//
// Fencing at start: with heartbeats on, the sessions stored on disk are started only once Django
// answered a beat: those it lists (at the epoch it gives), not those that moved away meanwhile.
// An answer without `sessions`, or a 400/404/422 (a Django that does not know node.heartbeat),
// starts them all, as without heartbeats.
import http from 'node:http';
import https from 'node:https';
import { Webhook } from 'standardwebhooks';
import { NodeMessageType, nodeMessage } from './contract/index.js';
import { newEventId } from './lib/ids.js';

export class NodeAgent {
  constructor({ config, sessions, outbox, log }) {
    this.config = config;
    this.sessions = sessions;
    this.outbox = outbox;
    this.log = log;
    this.webhook = new Webhook(config.webhookSecret);
    this.target = new URL(config.webhookUrl);
    this.transport = this.target.protocol === 'https:' ? https : http;
    this.timer = null;
    this.restored = false;
    this.beating = null;
    this.stats = { beats: 0, failures: 0 };
  }

  get enabled() {
    return this.config.heartbeatMs > 0;
  }

  /** The heartbeat body (contract: node_messages["node.heartbeat"]). */
  body() {
    const { config, sessions, outbox } = this;
    const health = sessions.health();
    return nodeMessage({
      type: NodeMessageType.NODE_HEARTBEAT,
      node_id: config.nodeId,
      occurred_at: Date.now() / 1000,
      data: {
        url: config.publicUrl,
        capacity: config.capacity,
        memory_budget_bytes: config.memoryBudgetBytes,
        rss_bytes: process.memoryUsage().rss,
        sessions: health.by_status,
        session_ids: sessions.list().map((s) => s.id),
        outbox_depth: outbox.depth,
        dead_letters: outbox.deadCount,
      },
    });
  }

  /** Start beating; the first beat is sent at once. Returns without waiting for Django. */
  start() {
    if (!this.enabled) return;
    const tick = async () => {
      await this.beat();
      if (this.timer !== false) this.timer = setTimeout(tick, this.config.heartbeatMs);
    };
    this.timer = setTimeout(tick, 0);
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = false;
    return this.beating;
  }

  /** One beat: POST, then apply the desired set the answer carries (if any). Never throws. */
  async beat() {
    this.beating = (async () => {
      let answer;
      try {
        answer = await this.#post(JSON.stringify(this.body()));
        this.stats.beats++;
      } catch (err) {
        this.stats.failures++;
        this.log.warn({ err: err.message }, 'heartbeat failed');
        // A Django without the node registry refuses the type (400/404/422): no desired set, so
        // the stored sessions start as without heartbeats. 401/403 (a wrong secret), 5xx and
        // network errors say nothing about placement: wait for the next beat.
        if (![400, 404, 422].includes(err.status)) return;
        answer = null;
      }
      try {
        await this.#apply(answer);
      } catch (err) {
        this.log.error({ err }, 'applying the heartbeat answer failed');
      }
    })();
    return this.beating;
  }

  async #apply(answer) {
    const desired = Array.isArray(answer?.sessions) ? answer.sessions : null;
    if (!this.restored) {
      this.restored = true;
      const restored = await this.sessions.restoreAll(desired ? new Set(desired.map((d) => d.id)) : null);
      this.log.info({ restored, desired: desired?.length ?? null }, 'sessions restored after the first heartbeat');
    }
    if (desired) await this.reconcile(desired);
  }

  /** Start what Django lists and this node lacks (or at a newer epoch); release what it does not list. */
  async reconcile(desired) {
    const wanted = new Set();
    for (const d of desired) {
      if (!d || typeof d.id !== 'string') continue;
      wanted.add(d.id);
      try {
        await this.sessions.create({ id: d.id, engine: d.engine, workspace: d.workspace, options: d.options ?? {}, epoch: d.epoch ?? 0 });
      } catch (err) {
        this.log.error({ err: err.message, session_id: d.id }, 'starting a session Django placed here failed');
      }
    }
    for (const session of this.sessions.list()) {
      if (!wanted.has(session.id)) {
        this.log.info({ session_id: session.id }, 'Django no longer places this session here: released');
        await this.sessions.release(session.id).catch((err) => this.log.error({ err, session_id: session.id }, 'release failed'));
      }
    }
  }

  /** A signed POST; resolves to the parsed JSON answer of a 2xx (null when not JSON), throws otherwise. */
  #post(payload) {
    const id = newEventId();
    const now = new Date();
    const body = Buffer.from(payload, 'utf8');
    const headers = {
      'content-type': 'application/json',
      'content-length': body.length,
      'user-agent': 'blazz-bridge',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.webhook.sign(id, now, payload),
    };
    return new Promise((resolve, reject) => {
      const req = this.transport.request(this.target, { method: 'POST', headers, timeout: this.config.outbox.requestTimeoutMs }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode < 200 || res.statusCode >= 300) {
            return reject(Object.assign(new Error(`Django answered ${res.statusCode}: ${text.slice(0, 200)}`), { status: res.statusCode }));
          }
          try {
            resolve(text ? JSON.parse(text) : null);
          } catch {
            resolve(null);
          }
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('no answer in time')));
      req.on('error', reject);
      req.end(body);
    });
  }
}
