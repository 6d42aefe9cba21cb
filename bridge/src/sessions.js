// The sessions this bridge node owns: create, find, forget, release, and start them all again
// after a restart. Each one's {id, engine, workspace, options, state, epoch, stopped} lives in the
// store. `epoch` fences a session that moved between nodes: a command with a lower epoch than the
// session's is refused (409 stale_epoch), and every event this node emits for it carries it.
import { EventType, OPTIONAL_EVENTS, ReasonCode, SessionStatus, buildEnvelope, SESSION_STATUSES } from './contract/index.js';
import { NotSupportedByEngine, invalidRequest, sessionExists, sessionNotFound, staleEpoch } from './errors.js';
import { qrDataUrl } from './lib/qr.js';

/** The reason a session stopped on purpose reports. */
export const STOPPED_REASON = 'stopped';

const OPTIONAL = new Set(OPTIONAL_EVENTS);
const MESSAGE_EVENTS = new Set([EventType.MESSAGE_RECEIVED, EventType.MESSAGE_CREATED]);

export class SessionManager {
  /**
   * @param {{store, outbox, media, sends, authStore?: import('./authstore.js').RemoteAuthStore|null, config, log, engines: Record<string, typeof import('./engines/base.js').Engine>}} deps
   */
  constructor({ store, outbox, media, sends, authStore = null, config, log, engines }) {
    this.store = store;
    this.authStore = authStore;
    this.sends = sends;
    this.outbox = outbox;
    this.media = media;
    this.config = config;
    this.log = log;
    this.engines = engines;
    this.sessions = new Map();
    this.creating = new Map();
    this.epochs = new Map(); // session id -> epoch (also in its record)
  }

  /**
   * Put one event of session `id` in the outbox (resolves once on disk; null for an optional event
   * type BRIDGE_OPTIONAL_EVENTS does not name). `kv`: engine records written in the event's own
   * transaction, as [['put', key, value] | ['remove', key], ...]. A message event indexes its wa id
   * (catch-up dedup, client_id lookup) in that transaction too, and message.created of one of our
   * sends marks its send record sent (sends.js).
   */
  #emit(id, workspace, type, data, { kv } = {}) {
    if (OPTIONAL.has(type) && !this.config.optionalEvents.has(type)) return Promise.resolve(null);
    const envelope = buildEnvelope({ type, sessionId: id, workspace, data, nodeId: this.config.nodeId, epoch: this.epochs.get(id) ?? 0 });
    this.metrics?.event(type);
    const message = MESSAGE_EVENTS.has(type) ? envelope.data : null;
    const alongside = kv?.length || message ? () => {
      kv?.forEach(([op, key, value]) => (op === 'put' ? this.store.engineKv.put([id, key], value) : this.store.engineKv.remove([id, key])));
      if (message) {
        this.store.waIndex.put([id, message.wa_message_id], { client_id: message.client_id ?? null, at: Date.now() });
        if (type === EventType.MESSAGE_CREATED) this.sends?.recordCreated(id, message);
      }
    } : null;
    return this.outbox.enqueue(id, envelope, alongside);
  }

  #context(id, workspace) {
    return {
      emit: (type, data, options) => this.#emit(id, workspace, type, data, options),
      epoch: () => this.epochs.get(id) ?? 0,
      media: this.media,
      // Django's shared auth store (BRIDGE_AUTH_STORE=remote), else null: logins stay on this node.
      authStore: this.authStore,
      renderQr: qrDataUrl,
      config: this.config,
      log: this.log.child({ session_id: id }),
      saveState: async (patch) => {
        const record = this.store.sessions.get(id);
        if (!record) return; // forgotten meanwhile (DELETE)
        await this.store.sessions.put(id, { ...record, state: { ...record.state, ...patch } });
      },
      // Which client_id produced a wa message id (webjs: to tag message_create from our own sends).
      rememberSend: (waMessageId, clientId) => this.store.waIndex.put([id, waMessageId], { client_id: clientId, at: Date.now() }),
      clientIdFor: (waMessageId) => clientIdOf(this.store.waIndex.get([id, waMessageId])),
      // Whether a message event for this wa id was emitted already (catch-up after downtime).
      emitted: (waMessageId) => this.store.waIndex.get([id, waMessageId]) !== undefined,
      // The engine's own durable records, namespaced by session.
      kv: {
        put: (key, value) => this.store.engineKv.put([id, key], value),
        remove: (key) => this.store.engineKv.remove([id, key]),
        entries: () => [...this.store.engineKv.getRange(rangeOf(id))].map(({ key, value }) => [key[1], value]),
      },
    };
  }

  #instantiate(record) {
    const EngineClass = this.engines[record.engine];
    this.epochs.set(record.id, record.epoch ?? 0);
    return new EngineClass({
      id: record.id,
      workspace: record.workspace,
      options: record.options,
      state: record.state,
      ctx: this.#context(record.id, record.workspace),
    });
  }

  /**
   * Start every stored session again (after a restart). Sandbox sessions that were connected
   * reconnect without a QR. `only` (a Set of ids, from Django's first heartbeat answer): the others
   * moved to another node while this one was away: forgotten here, never started.
   */
  async restoreAll(only = null) {
    const records = [...this.store.sessions.getRange({})].map((e) => e.value);
    for (const record of records) {
      if (only && !only.has(record.id)) {
        await this.#forgetStored(record.id);
        this.log.info({ session_id: record.id }, 'stored session not placed on this node any more: forgotten, not started');
        continue;
      }
      if (!this.engines[record.engine]) {
        this.log.error({ session_id: record.id, engine: record.engine }, 'stored session has an unknown engine; skipped');
        continue;
      }
      const session = this.#instantiate(record);
      this.sessions.set(record.id, session);
      if (record.stopped) {
        session.status = 'disconnected';
        session.reason = STOPPED_REASON;
        continue; // stopped on purpose (its workspace is suspended): stays stopped across restarts
      }
      await session.start().catch((err) => this.log.error({ err, session_id: record.id }, 'session failed to start'));
    }
    return records.length;
  }

  async #forgetStored(id) {
    await this.store.sessions.remove(id);
    await this.store.root.transaction(() => {
      for (const key of this.store.engineKv.getKeys(rangeOf(id))) this.store.engineKv.remove(key);
    });
  }

  /**
   * POST /sessions/:id/stop: stop the engine without logging out (its pairing is kept) and keep it
   * stopped, across restarts too, until POST /sessions/:id/start. Status: disconnected, reason "stopped".
   */
  async stopSession(id) {
    const session = this.get(id);
    const record = this.store.sessions.get(id);
    await this.store.sessions.put(id, { ...record, stopped: true });
    await session.stop();
    await session.setStatus(SessionStatus.DISCONNECTED, { reason: STOPPED_REASON, reasonCode: ReasonCode.STOPPED });
    return session;
  }

  /** POST /sessions/:id/start: start a stopped session again (idempotent for a running one). */
  async startSession(id) {
    const session = this.get(id);
    const record = this.store.sessions.get(id);
    if (!record.stopped) return session;
    await this.store.sessions.put(id, { ...record, stopped: false });
    await session.start();
    return session;
  }

  /**
   * POST /sessions. Same id + engine + workspace is idempotent: {created: false}; a higher `epoch`
   * than the session's is recorded (Django placed it here again), a lower one is 409 stale_epoch.
   */
  async create({ id, engine, workspace, options = {}, epoch = 0 }) {
    const existing = this.sessions.get(id) || (await this.creating.get(id));
    if (existing) {
      if (existing.engine !== engine || existing.workspace !== workspace) throw sessionExists(id, existing.engine);
      await this.checkEpoch(id, epoch);
      return { created: false, session: existing };
    }
    const EngineClass = this.engines[engine];
    if (!EngineClass) throw invalidRequest(`unknown engine ${engine}`, { engine: 'unknown engine' });
    const normalized = EngineClass.normalizeOptions(options, id);
    const pending = (async () => {
      const record = { id, engine, workspace, options: normalized, state: {}, epoch, created_at: Date.now() };
      await this.store.sessions.put(id, record);
      const session = this.#instantiate(record);
      this.sessions.set(id, session);
      await session.start();
      return session;
    })();
    this.creating.set(id, pending);
    try {
      return { created: true, session: await pending };
    } finally {
      this.creating.delete(id);
    }
  }

  get(id) {
    const session = this.sessions.get(id);
    if (!session) throw sessionNotFound(id);
    return session;
  }

  /**
   * A command for session `id` carries `epoch` (X-Blazz-Epoch, POST /sessions): lower than the
   * session's is 409 stale_epoch (it was meant for an earlier owner); higher is recorded.
   */
  async checkEpoch(id, epoch) {
    const current = this.epochs.get(id);
    if (current === undefined || epoch === current) return;
    if (epoch < current) throw staleEpoch(id, epoch, current);
    this.epochs.set(id, epoch);
    const record = this.store.sessions.get(id);
    if (record) await this.store.sessions.put(id, { ...record, epoch });
  }

  /** The customers' side of a sandbox session (the /sandbox routes); 422 for any other engine. */
  sandboxControl(id) {
    const session = this.get(id);
    if (!session.control) throw new NotSupportedByEngine(session.engine, 'sandbox control routes');
    return session.control;
  }

  list() {
    return [...this.sessions.values()];
  }

  /** DELETE /sessions/:id: log out (emits session.status logged_out), then forget it. */
  async remove(id) {
    const session = this.get(id);
    this.sessions.delete(id);
    try {
      await session.logout();
    } finally {
      await this.store.sessions.remove(id);
      await this.store.root.transaction(() => {
        for (const key of this.store.sends.getKeys(rangeOf(id))) this.store.sends.remove(key);
        for (const key of this.store.waIndex.getKeys(rangeOf(id))) this.store.waIndex.remove(key);
        for (const key of this.store.engineKv.getKeys(rangeOf(id))) this.store.engineKv.remove(key);
      });
      this.epochs.delete(id);
    }
    return session;
  }

  /** POST /sessions/:id/restart: stop and start the engine. */
  async restart(id) {
    const session = this.get(id);
    await session.restart();
    return session;
  }

  /**
   * POST /sessions/:id/release: Django moves the session to another node. The engine stops without
   * logging out (its login stays in the shared auth store), reports disconnected / released, and
   * this node forgets it. Its events already queued keep being delivered; its send records and wa
   * index stay until pruned (it may come back). Idempotent: an unknown session is released already.
   */
  async release(id) {
    const session = this.sessions.get(id);
    if (!session) return { id, released: true, status: null };
    this.sessions.delete(id);
    try {
      await session.release();
      await session.setStatus(SessionStatus.DISCONNECTED, { reason: 'released to another node', reasonCode: ReasonCode.RELEASED });
    } finally {
      await this.store.sessions.remove(id);
      await this.store.root.transaction(() => {
        for (const key of this.store.engineKv.getKeys(rangeOf(id))) this.store.engineKv.remove(key);
      });
      this.epochs.delete(id);
    }
    return { id, released: true, status: session.status };
  }

  /** Keep the newest `max` wa index entries of each session (catch-up dedup looks back that far). */
  async pruneWaIndex(max) {
    const bySession = new Map();
    for (const { key, value } of this.store.waIndex.getRange({})) {
      if (!bySession.has(key[0])) bySession.set(key[0], []);
      bySession.get(key[0]).push([key, typeof value === 'object' && value ? value.at ?? 0 : 0]);
    }
    let removed = 0;
    await this.store.root.transaction(() => {
      for (const entries of bySession.values()) {
        if (entries.length <= max) continue;
        entries.sort((a, b) => a[1] - b[1]);
        for (const [key] of entries.slice(0, entries.length - max)) {
          this.store.waIndex.remove(key);
          removed++;
        }
      }
    });
    return removed;
  }

  health() {
    const byStatus = Object.fromEntries(SESSION_STATUSES.map((s) => [s, 0]));
    for (const session of this.sessions.values()) byStatus[session.status]++;
    return { total: this.sessions.size, by_status: byStatus };
  }

  /** Process shutdown: stop engines (no logout), they resume on the next start. */
  async stopAll() {
    await Promise.allSettled([...this.sessions.values()].map((s) => s.stop()));
  }
}

/** wa_index values: {client_id, at}; before, the client_id alone. */
function clientIdOf(value) {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : value.client_id ?? null;
}

function rangeOf(id) {
  return { start: [id], end: [`${id}\u0000`] };
}
