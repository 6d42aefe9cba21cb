// Media bytes live as files under <dataDir>/media/<session_id>/<media_id>; their metadata in the
// store. Both engines save what they receive (and what they send) here, and
// GET /sessions/:id/media/:media_id serves it. Downloaded once, served many times; removed when
// Django has its copy (DELETE) or past BRIDGE_MEDIA_MAX_AGE_HOURS (prune).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { newMediaId } from './lib/ids.js';
import { mediaFetchFailed, mediaNotFound, mediaTooLarge } from './errors.js';

const EXTENSIONS = {
  'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'image/gif': 'gif',
  'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/mp4': 'm4a', 'audio/aac': 'aac', 'audio/wav': 'wav',
  'video/mp4': 'mp4', 'video/3gpp': '3gp', 'application/pdf': 'pdf', 'text/plain': 'txt',
};

export function defaultFilename(mimetype, mediaId) {
  const base = (mimetype || '').split(';')[0].trim().toLowerCase();
  return `${mediaId}.${EXTENSIONS[base] || 'bin'}`;
}

export class MediaStore {
  constructor({ store, dataDir, maxBytes, token, fetchTimeoutMs = 60_000 }) {
    this.db = store.media;
    this.root = path.join(dataDir, 'media');
    this.maxBytes = maxBytes;
    this.token = token;
    this.fetchTimeoutMs = fetchTimeoutMs;
  }

  #file(sessionId, mediaId) {
    return path.join(this.root, encodeURIComponent(sessionId), mediaId);
  }

  /** Save bytes; returns the media info that goes into events: {id, mimetype, filename, size}. */
  async save(sessionId, { data, mimetype, filename }) {
    if (data.length > this.maxBytes) throw mediaTooLarge(this.maxBytes);
    const id = newMediaId();
    const file = this.#file(sessionId, id);
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    // Write to a temp name, fsync, then rename: a crash never leaves a half file under the real name.
    const tmp = `${file}.tmp`;
    const handle = await fs.promises.open(tmp, 'w');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.promises.rename(tmp, file);
    const info = {
      id,
      mimetype: mimetype || 'application/octet-stream',
      filename: filename || defaultFilename(mimetype, id),
      size: data.length,
    };
    await this.db.put([sessionId, id], { ...info, sha256: crypto.createHash('sha256').update(data).digest('hex'), saved_at: Date.now() });
    return info;
  }

  /** {info, stream} for the media route; throws media_not_found. */
  open(sessionId, mediaId) {
    const info = this.db.get([sessionId, mediaId]);
    if (!info) throw mediaNotFound(mediaId);
    const file = this.#file(sessionId, mediaId);
    if (!fs.existsSync(file)) throw mediaNotFound(mediaId);
    return { info, stream: fs.createReadStream(file) };
  }

  /** DELETE /sessions/:id/media/:media_id (Django has its copy): true when there was something to remove. */
  async remove(sessionId, mediaId) {
    const had = this.db.get([sessionId, mediaId]) !== undefined;
    await fs.promises.rm(this.#file(sessionId, mediaId), { force: true });
    if (had) await this.db.remove([sessionId, mediaId]);
    return had;
  }

  /** Media older than `maxAgeMs` (never fetched, or fetched and not deleted) goes: files and records. */
  async prune(maxAgeMs, now = Date.now()) {
    const old = [];
    for (const { key, value } of this.db.getRange({})) if (now - (value.saved_at ?? 0) > maxAgeMs) old.push(key);
    for (const [sessionId, mediaId] of old) await this.remove(sessionId, mediaId);
    return old.length;
  }

  async read(sessionId, mediaId) {
    const info = this.db.get([sessionId, mediaId]);
    if (!info) throw mediaNotFound(mediaId);
    return { info, data: await fs.promises.readFile(this.#file(sessionId, mediaId)) };
  }

  /**
   * Resolve the `media` of a send request to bytes: base64 `data`, or `url` fetched with the
   * bridge token (Django's internal media endpoint accepts it). Never more than maxBytes.
   */
  async resolve(media) {
    if (media.data) {
      const data = Buffer.from(media.data, 'base64');
      if (data.length === 0) throw mediaFetchFailed('media.data is empty or not base64');
      if (data.length > this.maxBytes) throw mediaTooLarge(this.maxBytes);
      return { data, mimetype: media.mimetype, filename: media.filename };
    }
    let res;
    try {
      res = await fetch(media.url, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.timeout(this.fetchTimeoutMs),
        redirect: 'follow',
      });
    } catch (err) {
      throw mediaFetchFailed(`fetching ${media.url} failed: ${err.cause?.code || err.message}`, err);
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw mediaFetchFailed(`fetching ${media.url} answered ${res.status}`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (declared > this.maxBytes) {
      await res.body?.cancel();
      throw mediaTooLarge(this.maxBytes);
    }
    const chunks = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += chunk.length;
        if (size > this.maxBytes) throw mediaTooLarge(this.maxBytes);
        chunks.push(chunk);
      }
    } catch (err) {
      if (err.code === 'media_too_large') throw err;
      throw mediaFetchFailed(`reading ${media.url} failed: ${err.message}`, err);
    }
    const mimetype = media.mimetype || res.headers.get('content-type') || 'application/octet-stream';
    return { data: Buffer.concat(chunks.map((c) => Buffer.from(c))), mimetype, filename: media.filename };
  }
}
