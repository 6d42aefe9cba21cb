// The sessions this bridge node owns: create, find, forget, and start them all again after a
// restart. Each one's {id, engine, workspace, options, state} lives in the store.
import { EventType, buildEnvelope, SESSION_STATUSES } from './contract/index.js';
import { NotSupportedByEngine, invalidRequest, sessionExists, sessionNotFound } from './errors.js';
import { qrDataUrl } from './lib/qr.js';

/** The reason a session stopped on purpose reports. */
export const STOPPED_REASON = 'stopped';

export class SessionManager {
  /**
   * @param {{store, outbox, media, sends, config, log, engines: Record<string, typeof import('./engines/base.js').Engine>}} deps
   */
  constructor({ store, outbox, media, sends, config, log, engines }) {
    this.store = store;
    this.sends = sends;
    this.outbox = outbox;
    this.media = media;
    this.config = config;
    this.log = log;
    this.engines = engines;
    this.sessions = new Map();
    this.creating = new Map();
  }

  #context(id, workspace) {
    return {
      // `kv` (optional): engine records written in the event's own transaction, as
      // [['put', key, value] | ['remove', key], ...]. message.created of one of our sends marks
      // its send record sent in that transaction too (sends.js).
      emit: (type, data, { kv } = {}) => {
        const envelope = buildEnvelope({ type, sessionId: id, workspace, data });
        const created = type === EventType.MESSAGE_CREATED && envelope.data.client_id;
        const alongside = kv?.length || created ? () => {
          kv?.forEach(([op, key, value]) => (op === 'put' ? this.store.engineKv.put([id, key], value) : this.store.engineKv.remove([id, key])));
          if (created) this.sends?.recordCreated(this.store, id, envelope.data);
        } : null;
        return this.outbox.enqueue(id, envelope, alongside);
      },
      media: this.media,
      renderQr: qrDataUrl,
      config: this.config,
      log: this.log.child({ session_id: id }),
      saveState: async (patch) => {
        const record = this.store.sessions.get(id);
        if (!record) return; // forgotten meanwhile (DELETE)
        await this.store.sessions.put(id, { ...record, state: { ...record.state, ...patch } });
      },
      // Which client_id produced a wa message id (webjs: to tag message_create from our own sends).
      rememberSend: (waMessageId, clientId) => this.store.waIndex.put([id, waMessageId], clientId),
      clientIdFor: (waMessageId) => this.store.waIndex.get([id, waMessageId]) ?? null,
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
    return new EngineClass({
      id: record.id,
      workspace: record.workspace,
      options: record.options,
      state: record.state,
      ctx: this.#context(record.id, record.workspace),
    });
  }

  /** Start every stored session again (after a restart). Sandbox sessions that were connected reconnect without a QR. */
  async restoreAll() {
    const records = [...this.store.sessions.getRange({})].map((e) => e.value);
    for (const record of records) {
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

  /**
   * POST /sessions/:id/stop: stop the engine without logging out (its pairing is kept) and keep it
   * stopped, across restarts too, until POST /sessions/:id/start. Status: disconnected, reason "stopped".
   */
  async stopSession(id) {
    const session = this.get(id);
    const record = this.store.sessions.get(id);
    await this.store.sessions.put(id, { ...record, stopped: true });
    await session.stop();
    await session.setStatus('disconnected', { reason: STOPPED_REASON });
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

  /** POST /sessions. Same id + engine + workspace is idempotent: {created: false}. */
  async create({ id, engine, workspace, options = {} }) {
    const existing = this.sessions.get(id) || (await this.creating.get(id));
    if (existing) {
      if (existing.engine !== engine || existing.workspace !== workspace) throw sessionExists(id, existing.engine);
      return { created: false, session: existing };
    }
    const EngineClass = this.engines[engine];
    if (!EngineClass) throw invalidRequest(`unknown engine ${engine}`, { engine: 'unknown engine' });
    const normalized = EngineClass.normalizeOptions(options, id);
    const pending = (async () => {
      const record = { id, engine, workspace, options: normalized, state: {}, created_at: Date.now() };
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
    }
    return session;
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

function rangeOf(id) {
  return { start: [id], end: [`${id}\u0000`] };
}
