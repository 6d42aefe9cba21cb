// Shared login state (BRIDGE_AUTH_STORE=remote): kept by Django's internal API, so a session that
// moves to another bridge node logs in there without a new QR scan.
//
//   GET    {INTERNAL_BASE_URL}/internal/bridge/auth/{session_id}   200 the bytes | 404 none stored
//   PUT    ... body: the bytes (application/octet-stream)             2xx stored (replaces)
//   DELETE ...                                                        2xx or 404 (logged out)
// with `Authorization: Bearer $BRIDGE_TOKEN`. The bytes are opaque to Django: a webjs profile's zip
// (whatsapp-web.js RemoteAuth), or the sandbox's small JSON pairing record.
import fs from 'node:fs';
import path from 'node:path';

export class AuthStoreError extends Error {}

export class RemoteAuthStore {
  constructor({ baseUrl, token, timeoutMs = 30_000 }) {
    this.baseUrl = baseUrl.replace(/\/$/, '');
    this.token = token;
    this.timeoutMs = timeoutMs;
  }

  #url(sessionId) {
    return `${this.baseUrl}/internal/bridge/auth/${encodeURIComponent(sessionId)}`;
  }

  async #call(method, sessionId, body) {
    let res;
    try {
      res = await fetch(this.#url(sessionId), {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body ? { 'content-type': 'application/octet-stream' } : {}) },
        body,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw new AuthStoreError(`auth store ${method} failed: ${err.cause?.code || err.message}`);
    }
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new AuthStoreError(`auth store ${method} answered ${res.status}`);
    }
    return res;
  }

  /** The stored bytes, or null when nothing is stored. */
  async get(sessionId) {
    const res = await this.#call('GET', sessionId);
    return res ? Buffer.from(await res.arrayBuffer()) : null;
  }

  async put(sessionId, bytes) {
    const res = await this.#call('PUT', sessionId, bytes);
    await res?.body?.cancel();
  }

  async delete(sessionId) {
    const res = await this.#call('DELETE', sessionId);
    await res?.body?.cancel();
  }

  /** A small JSON record (the sandbox's pairing), or null. */
  async getJson(sessionId) {
    const bytes = await this.get(sessionId);
    return bytes ? JSON.parse(bytes.toString('utf8')) : null;
  }

  putJson(sessionId, value) {
    return this.put(sessionId, Buffer.from(JSON.stringify(value)));
  }
}

/**
 * whatsapp-web.js RemoteAuth's store interface over one session's record in the auth store.
 * RemoteAuth zips the profile to `<dataPath>/<session>.zip` before save() and expects extract()
 * to write the zip to `path`; `session` is RemoteAuth's directory name (RemoteAuth-<clientId>).
 */
export class WebjsAuthStore {
  constructor({ store, sessionId, dataPath }) {
    this.store = store;
    this.sessionId = sessionId;
    this.dataPath = dataPath;
    this.fetched = null; // the bytes sessionExists() read, reused by extract()
  }

  async sessionExists() {
    this.fetched = await this.store.get(this.sessionId);
    return this.fetched !== null;
  }

  async save({ session }) {
    const bytes = await fs.promises.readFile(path.join(this.dataPath, `${session}.zip`));
    await this.store.put(this.sessionId, bytes);
  }

  async extract({ path: target }) {
    const bytes = this.fetched ?? (await this.store.get(this.sessionId));
    this.fetched = null;
    if (!bytes) throw new AuthStoreError(`no stored login for ${this.sessionId}`);
    await fs.promises.writeFile(target, bytes);
  }

  async delete() {
    await this.store.delete(this.sessionId);
  }
}
