// The embedded durable store (LMDB through lmdb-js: prebuilt binaries, crash-safe, survives kill -9).
// One environment under <dataDir>/store with named databases:
//   sessions  id -> {id, engine, workspace, options, state}       sessions this node owns
//   outbox    [session_id, seq] -> event record                    webhook outbox, ordered per session
//   dead      webhook_id -> event record + last status, answer     events Django rejected for good (dead letters)
//   sends     [session_id, client_id] -> idempotency record        at-most-once sends
//   wa_index  [session_id, wa_message_id] -> client_id             which wa id came from which client_id
//   media     [session_id, media_id] -> {mimetype, filename, size} media metadata (bytes are files)
//   engine_kv [session_id, key] -> value                           an engine's own durable records (sandbox: pending acks)
//   meta      name -> value                                        node counters kept across restarts (dead_lettered_total)
// Writes return promises that resolve once the transaction is committed: it then survives the
// process (kill -9, a crash). lmdb-js's default overlappingSync flushes to the device just after,
// so an OS crash or power cut may lose the last few milliseconds of commits; that trade keeps the
// outbox fast, and Django's webhook dedup makes a re-run of the engine's side harmless.
import fs from 'node:fs';
import path from 'node:path';
import { open } from 'lmdb';

export class Store {
  constructor(dataDir) {
    this.dataDir = dataDir;
    fs.mkdirSync(path.join(dataDir, 'store'), { recursive: true });
    this.root = open({
      path: path.join(dataDir, 'store'),
      // Room for a deep outbox; LMDB grows the map file on demand up to this size.
      mapSize: 2 * 1024 * 1024 * 1024,
      maxDbs: 16,
    });
    this.sessions = this.root.openDB({ name: 'sessions' });
    this.outbox = this.root.openDB({ name: 'outbox' });
    this.dead = this.root.openDB({ name: 'dead' });
    this.sends = this.root.openDB({ name: 'sends' });
    this.waIndex = this.root.openDB({ name: 'wa_index' });
    this.media = this.root.openDB({ name: 'media' });
    this.engineKv = this.root.openDB({ name: 'engine_kv' });
    this.meta = this.root.openDB({ name: 'meta' });
  }

  /** All keys under a [prefix, ...] array key, in order. */
  static prefixRange(prefix) {
    // Array keys sort element-wise; [prefix] < [prefix, anything] < [prefix + '\u0000'].
    return { start: [prefix], end: [`${prefix}\u0000`] };
  }

  async close() {
    if (this.closed) return;
    this.closed = true;
    await this.root.flushed;
    await this.root.close();
  }
}
