// What this tab sends: the optimistic bubble (in the store, in its thread and atop the chat list
// before the POST leaves), attachments uploaded first (checked against the size limit before a
// byte leaves), Retry, and reactions. Each change of ours stamps the field groups it changed, so
// a REST copy asked for before it cannot undo it. Until the server has a message, the outbox
// (outbox.js) keeps it across reloads; one the server never got can be removed.
import { toRaw } from 'vue';
import { api } from '../../api/index.js';
import { typeOfFile } from '../../lib/format.js';
import { fileTooLargeReason } from '../../lib/limits.js';
import { useMeStore } from '../me.js';
import { useChatsStore } from '../chats.js';
import { withStatus } from './merge.js';
import { createOutbox } from './outbox.js';
import { t } from '../../i18n/index.js';

// A restored message whose POST was still on its way when the page went away.
const INTERRUPTED = 'the page was closed or reloaded before it was sent.';

export function newClientId() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  // Older browsers (non-secure context): RFC 4122 v4 from getRandomValues.
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function quoteOf(replyTo) {
  return replyTo ? { id: replyTo.id, type: replyTo.type, body: replyTo.body, direction: replyTo.direction } : null;
}

/** The POST body of docs/api.md for a message of ours. */
function sendBody(message) {
  const body = { client_id: message.client_id, type: message.type };
  if (message.body) body.body = message.body;
  if (message.caption) body.caption = message.caption;
  if (message.media?.id) body.media_id = message.media.id;
  if (message.reply_to?.id) body.reply_to = message.reply_to.id;
  if (message.location) body.location = message.location;
  if (message.contact_card) body.contact_card = message.contact_card;
  return body;
}

/**
 * @param {object} store the messages store's internals (stores/messages/index.js)
 * @param {object} store.byKey
 * @param {object} store.threads
 * @param {import('vue').Ref<string|null>} store.lastSentKey
 * @param {(contactId: number) => object} store.ensureThread
 * @param {(message: object, opts?: {askedAt?: number}) => [string, boolean]} store.ingest
 * @param {(contactId: number, keys: string[], opts?: {resort?: boolean}) => void} store.placeInThread
 * @param {{touch: Function, changedSince: Function, now: () => number}} store.freshness
 * @param {Storage} [store.storage] where the outbox lives (tests), else localStorage
 */
export function createSending({ byKey, threads, lastSentKey, ensureThread, ingest, placeInThread, freshness, storage }) {
  const { touch, changedSince, now: currentStamp } = freshness;
  const outbox = createOutbox({ storage });

  /** Now, but never before the thread's newest message (a client clock behind the server's). */
  function sendTime(contactId) {
    const t = threads[contactId];
    const last = t && t.keys.length ? toRaw(byKey)[t.keys[t.keys.length - 1]] : null;
    return new Date(Math.max(Date.now(), last ? last._t + 1 : 0)).toISOString();
  }

  function optimistic(contactId, fields) {
    const me = useMeStore();
    const now = sendTime(contactId);
    return {
      id: null,
      contact_id: Number(contactId),
      direction: 'out',
      type: 'text',
      body: '',
      caption: '',
      media: null,
      status: 'pending',
      failure_reason: '',
      wa_message_id: null,
      client_id: newClientId(),
      reply_to: null,
      reactions: [],
      edited: false,
      edits: [],
      revoked: false,
      revoked_at: null,
      sent_by: me.user ? { id: me.user.id, name: me.user.name } : null,
      timestamp: now,
      created_at: now,
      ...fields,
      _local: { posted: false, request: null, progress: null, preview: null },
    };
  }

  function setLocal(key, changes) {
    const current = byKey[key];
    if (!current) return;
    byKey[key] = { ...current, _local: { ...current._local, ...changes } };
  }

  /** The chat list row shows our own message's status too (clock, red mark), before any frame. */
  function previewStatus(key) {
    const m = byKey[key];
    if (m) useChatsStore().applyMessageStatus({ contact_id: m.contact_id, message_id: m.id, client_id: m.client_id, status: m.status });
  }

  /** Ours, and the server does not have it (never POSTed, or the POST never answered). */
  function unsent(message) {
    return Boolean(message && message.id == null && message._local && !message._local.posted);
  }

  function markFailed(key, reason) {
    const current = byKey[key];
    if (!current) return;
    // Not explicit: if a frame already said delivered, the message did go out after all.
    byKey[key] = withStatus(current, { status: 'failed', failure_reason: reason });
    if (unsent(byKey[key])) outbox.keep(byKey[key]);
    previewStatus(key);
  }

  function revokePreview(message) {
    const preview = message?._local?.preview;
    if (!preview) return;
    try {
      URL.revokeObjectURL(preview);
    } catch {
      /* not an object URL */
    }
  }

  /**
   * The bubble showed the file from the browser's memory (an object URL) while it uploaded; once
   * the server's copy is there, its URL takes over and the memory is given back.
   */
  function releasePreview(key) {
    const m = byKey[key];
    const preview = m?._local?.preview;
    if (!preview || !m.media?.url || m.media.url === preview) return;
    revokePreview(m);
    setLocal(key, { preview: null, file: null });
  }

  async function post(key) {
    const message = byKey[key];
    const askedAt = currentStamp();
    try {
      const answer = await api.sendMessage(message.contact_id, sendBody(message));
      ingest(answer, { askedAt });
      setLocal(key, { posted: true });
      outbox.drop(message.contact_id, message.client_id);
      releasePreview(key);
      const t = threads[message.contact_id];
      if (t) placeInThread(message.contact_id, [key], { resort: true });
    } catch (err) {
      // The POST never got an answer, or the server refused it: either way the message is not
      // known to be stored, so Retry re-POSTs with the same client_id (idempotent server-side).
      setLocal(key, { posted: false });
      markFailed(key, err.message || t('bubble.sendFailed'));
    }
  }

  /** A new bubble of ours: in the store, in its thread (scrolled to), and atop the chat list. */
  function addOwn(contactId, message) {
    const [key] = ingest(message);
    outbox.keep(message);
    ensureThread(contactId);
    lastSentKey.value = key; // before the thread changes: the view scrolls to it
    placeInThread(contactId, [key]);
    useChatsStore().applyOwnSend(byKey[key]);
    return key;
  }

  /**
   * Optimistic send: the bubble is in the store (clock) before the POST leaves, and the chat list
   * row previews it (clock) and moves to the top.
   * @param {number} contactId
   * @param {{type?: string, body?: string, caption?: string, media?: object, replyTo?: object}} fields
   * @returns {string} the message key
   */
  function send(contactId, { type = 'text', body = '', caption = '', media = null, replyTo = null } = {}) {
    const key = addOwn(contactId, optimistic(contactId, { type, body, caption, media, reply_to: quoteOf(replyTo) }));
    post(key);
    return key;
  }

  /** The upload failed: why (the server's sentence), and whether trying again can help. */
  function uploadFailed(key, reason, { code, retryable }) {
    setLocal(key, { progress: null, uploadError: { code, retryable } });
    markFailed(key, reason);
  }

  async function uploadThenPost(key) {
    const message = byKey[key];
    const file = message._local?.file;
    if (!message.media?.id && file) {
      const tooLarge = fileTooLargeReason(file, useMeStore().maxUploadBytes);
      if (tooLarge) {
        uploadFailed(key, tooLarge, { code: 'payload_too_large', retryable: false });
        return;
      }
      try {
        const media = await api.uploadMedia(file, { onProgress: (fraction) => setLocal(key, { progress: fraction }) });
        byKey[key] = { ...byKey[key], media: { ...media, url: byKey[key].media?.url || media.url } };
        setLocal(key, { progress: null, uploadError: null });
        outbox.keep(byKey[key]); // with the media id: a Retry after a reload can POST it
      } catch (err) {
        // Offline, a server error or too many requests may pass; a refusal (413 too large, 415
        // a type it does not take, 400 empty) will not: the bubble offers another file instead.
        const retryable = Boolean(err.isNetwork || err.status >= 500 || err.status === 408 || err.status === 429);
        uploadFailed(key, err.message || t('bubble.uploadFailed'), { code: err.code || 'upload_failed', retryable });
        return;
      }
    }
    await post(key);
  }

  /**
   * An attachment: the bubble shows at once with the upload's progress, then the message is
   * POSTed with the uploaded media's id. `previewUrl` (an object URL) becomes the store's: it is
   * revoked once the server's copy of the media is shown instead.
   */
  async function sendMedia(contactId, file, { type, caption = '', replyTo = null, previewUrl = null } = {}) {
    const message = optimistic(contactId, {
      type,
      caption,
      media: { id: null, url: previewUrl, mimetype: file.type, filename: file.name || 'file', size: file.size, ready: true },
      reply_to: quoteOf(replyTo),
    });
    const key = addOwn(contactId, message);
    setLocal(key, { progress: 0, file, preview: previewUrl });
    await uploadThenPost(key);
    return key;
  }

  /**
   * Can Retry work? A stored message: the server retries it. One the server never got: its POST
   * again, when its content is here (text; a file still in memory, or uploaded already) and the
   * upload was not refused for what the file is.
   */
  function canRetry(message) {
    if (!message || message.status !== 'failed') return false;
    if (!unsent(message)) return message.id != null;
    if (!message.media || message.media.id) return true;
    return Boolean(message._local.file) && message._local.uploadError?.retryable !== false;
  }

  /**
   * What a failed message of ours offers (the bubble's buttons): Retry when it can work, another
   * file when its upload never succeeded, removal when the server never got it. Null otherwise.
   */
  function recoveryOf(message) {
    if (!message || message.status !== 'failed' || message.direction !== 'out') return null;
    const notOnServer = unsent(message);
    return { retry: canRetry(message), replace: notOnServer && Boolean(message.media) && !message.media.id, remove: notOnServer };
  }

  /** Retry a failed message: server-side retry when it was stored, else POST again (same client_id). */
  async function retry(key) {
    const message = byKey[key];
    if (!canRetry(message)) return;
    byKey[key] = withStatus(message, { status: 'pending' }, { explicit: true });
    touch(key, ['status']);
    previewStatus(key);
    if (message._local && !message._local.posted && message.id == null) {
      await uploadThenPost(key);
      return;
    }
    if (message._local && !message._local.posted && !message.media?.id && message._local.file) {
      await uploadThenPost(key);
      return;
    }
    const askedAt = currentStamp();
    try {
      const answer = await api.retryMessage(message.id);
      ingest(answer, { askedAt });
    } catch (err) {
      if (err.code === 'not_failed') return; // someone else retried it already
      if (err.isNetwork || err.status >= 400) {
        if (message._local) setLocal(key, { posted: message._local.posted });
        markFailed(key, err.message || t('bubble.retryFailed'));
      }
    }
  }

  /**
   * Another file for a message whose upload failed (or whose file a reload lost): the same bubble,
   * caption and quote, the same client_id (the server never had it), uploaded again.
   * @param {string} key
   * @param {File} file
   * @param {{previewUrl?: string|null}} [opts] an object URL the bubble shows while it uploads
   */
  async function replaceFile(key, file, { previewUrl = null } = {}) {
    const message = byKey[key];
    if (!unsent(message) || !message.media || message.media.id) return;
    revokePreview(message);
    const type = message.type === 'voice' ? 'voice' : typeOfFile(file);
    const media = { id: null, url: previewUrl, mimetype: file.type, filename: file.name || 'file', size: file.size, ready: true };
    byKey[key] = withStatus({ ...message, type, media }, { status: 'pending' }, { explicit: true });
    touch(key, ['status']);
    setLocal(key, { file, preview: previewUrl, progress: 0, uploadError: null, restored: false });
    outbox.keep(byKey[key]);
    previewStatus(key);
    await uploadThenPost(key);
  }

  /** Remove a message of ours that the server never got (a failed send the agent gives up on). */
  function discard(key) {
    const message = byKey[key];
    if (!unsent(message) || message.status !== 'failed') return false;
    revokePreview(message);
    outbox.drop(message.contact_id, message.client_id);
    const t = threads[message.contact_id];
    if (t) t.keys = t.keys.filter((k) => k !== key);
    delete byKey[key];
    if (lastSentKey.value === key) lastSentKey.value = null;
    const last = t && t.keys.length ? byKey[t.keys[t.keys.length - 1]] : null;
    useChatsStore().forgetOwnMessage(message, last);
    return true;
  }

  /**
   * The outbox of a previous page load, for a thread opened for the first time: each message the
   * server has not got comes back failed (the page holding it went away); one the server did get
   * (its POST answer was lost) is forgotten. Returns the keys to place in the thread.
   */
  function restoreUnsent(contactId) {
    const me = useMeStore();
    const keys = [];
    for (const entry of outbox.entries(contactId)) {
      const known = toRaw(byKey)[`c:${entry.client_id}`];
      if (known) {
        if (known.id != null) outbox.drop(contactId, entry.client_id);
        continue;
      }
      if (entry.sent_by?.id != null && me.user?.id != null && entry.sent_by.id !== me.user.id) continue; // another agent's
      const media = entry.media ? { ...entry.media, url: null, ready: Boolean(entry.media.id) } : null;
      const [key] = ingest({
        ...entry,
        id: null,
        contact_id: Number(contactId),
        direction: 'out',
        media,
        status: 'failed',
        failure_reason: entry.failure_reason || INTERRUPTED,
        wa_message_id: null,
        reactions: [],
        edited: false,
        edits: [],
        revoked: false,
        revoked_at: null,
        _local: { posted: false, request: null, progress: null, preview: null, file: null, restored: true },
      });
      keys.push(key);
    }
    return keys;
  }

  /** React to a message (`""` removes our reaction). */
  async function react(key, emoji) {
    const message = byKey[key];
    if (!message || message.id == null) return;
    const me = useMeStore();
    const others = (message.reactions || []).filter((r) => !(r.from === 'agent' && (r.user_id == null || r.user_id === me.user?.id)));
    byKey[key] = { ...message, reactions: emoji ? [...others, { emoji, from: 'agent', user_id: me.user?.id ?? null }] : others };
    touch(key, ['reactions']);
    const askedAt = currentStamp();
    try {
      const answer = await api.react(message.id, emoji);
      if (answer) ingest(answer, { askedAt });
    } catch {
      // Undo ours, unless a frame has said what the reactions are since.
      if (!changedSince(key, askedAt).has('reactions')) byKey[key] = { ...byKey[key], reactions: message.reactions };
    }
  }

  return { send, sendMedia, retry, recoveryOf, replaceFile, discard, restoreUnsent, react };
}
