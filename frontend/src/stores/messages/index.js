// Messages of every opened thread, normalised by a stable key.
//
// A message's key is `c:<client_id>` when it has a client_id (every message this SPA or a CRM
// sent), else `m:<id>`. The optimistic bubble and the server's copy of it therefore share one key
// from the first frame on, whichever of the POST answer, `message.new` or `message.status` arrives
// first: reconciliation is a merge, never a swap. Every apply action is idempotent and statuses
// only move forward (lib/status.js).
//
// Freshness. Frames reach the stores in seq order (the realtime module drops replays and refetches
// on gaps), so a frame is always newer than what we hold. A REST copy is not: a page asked for
// before a frame and answered after it may predate it. So every frame applied to a message, and
// every change this tab makes to it, stamps the field groups it changed (status, reactions,
// revoke, content: FIELD_GROUPS) with the next value of a counter that only goes up: the tab's
// own sequence of applied frames, which orders them exactly as their seq does, never restarts
// lower when the server's counter does, and also covers our own changes, which carry no seq.
// Every REST request remembers the counter's value when it was made. In a copy asked for before a
// group's stamp, that group stays ours (mergeCopy); the rest of the copy is the server's truth, and
// a status asked for after the last status frame may even lift `failed` back to pending (a retry
// elsewhere).
import { defineStore } from 'pinia';
import { ref, shallowReactive, toRaw } from 'vue';
import { api, pageOf } from '../../api/index.js';
import { nextStatus } from '../../lib/status.js';
import { createFreshness } from '../../lib/freshness.js';
import { dayKey } from '../../lib/format.js';
import { useMeStore } from '../me.js';
import { useChatsStore } from '../chats.js';

export const PAGE_SIZE = 50;

export function messageKey(message) {
  if (message.client_id) return `c:${message.client_id}`;
  return `m:${message.id}`;
}

function timeOf(message) {
  const t = Date.parse(message.timestamp || message.created_at || '');
  return Number.isNaN(t) ? Date.now() : t;
}

/** Sort order of a thread: WhatsApp time, then server id (optimistic ones, without id, last). */
function compare(a, b) {
  if (a._t !== b._t) return a._t - b._t;
  const ai = a.id ?? Infinity;
  const bi = b.id ?? Infinity;
  if (ai !== bi) return ai < bi ? -1 : 1;
  return a._key < b._key ? -1 : a._key > b._key ? 1 : 0;
}

function newClientId() {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === 'function') return globalThis.crypto.randomUUID();
  // Older browsers (non-secure context): RFC 4122 v4 from getRandomValues.
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Merge what the server (or a frame) says into what we have. Monotonic facts stay true: the
 * status never goes backwards, a revoke or an edit is never undone by a stale copy, ready media
 * stays ready. Local bookkeeping (`_local`: upload progress, whether the POST got through) stays.
 * @param {{explicit?: boolean, authoritative?: boolean}} [opts]
 *   authoritative: `incoming` is the server's current word (a frame; a REST copy asked for after
 *   the last frame applied to this message): it may lift `failed` back to pending/sent (a retry).
 */
export function mergeMessage(existing, incoming, { explicit = false, authoritative = false } = {}) {
  if (!existing) {
    const message = { ...incoming };
    message._key = messageKey(message);
    message._t = timeOf(message);
    message._day = dayKey(message._t);
    return message;
  }
  const merged = { ...existing, ...incoming, _local: existing._local };
  merged.status = nextStatus(existing.status, incoming.status, { explicit, authoritative });
  if (merged.status !== incoming.status) {
    merged.failure_reason = existing.failure_reason;
    merged.failed_at = existing.failed_at;
  }
  merged.revoked = Boolean(existing.revoked || incoming.revoked);
  if (existing.revoked && !incoming.revoked) merged.revoked_at = existing.revoked_at;
  merged.edited = Boolean(existing.edited || incoming.edited);
  if ((existing.edits?.length || 0) > (incoming.edits?.length || 0)) {
    merged.edits = existing.edits;
    merged.body = existing.body;
    merged.edited_at = existing.edited_at;
  }
  if (existing.media?.ready && incoming.media && !incoming.media.ready) merged.media = existing.media;
  if (incoming.media === undefined) merged.media = existing.media;
  merged._key = existing._key;
  merged._t = incoming.timestamp || incoming.created_at ? timeOf(merged) : existing._t;
  merged._day = dayKey(merged._t);
  return merged;
}

/**
 * The fields each kind of frame changes. `message.new` / `message.updated` carry the whole message
 * (every group); the others one group each. Anything not listed is `content`.
 */
export const FIELD_GROUPS = Object.freeze({
  status: ['status', 'failure_reason', 'sent_at', 'delivered_at', 'read_at', 'played_at', 'failed_at'],
  reactions: ['reactions'],
  revoke: ['revoked', 'revoked_at'],
});
export const ALL_GROUPS = Object.freeze(['status', 'reactions', 'revoke', 'content']);
const GROUPED = new Set(Object.values(FIELD_GROUPS).flat());
// Identities a copy may always fill in when we lack them (an optimistic bubble learning its id).
const IDENTITY_FIELDS = ['id', 'wa_message_id', 'session_id', 'sent_by'];

/**
 * A REST copy merged into what we have, where `stale` names the field groups that a frame (or a
 * change of ours) applied after the copy was asked for: those stay ours (the copy may predate
 * them; any later change comes as a frame too), the rest is the server's truth.
 * @param {object} existing
 * @param {object} incoming
 * @param {Set<string>} stale
 */
export function mergeCopy(existing, incoming, stale) {
  if (!existing) return mergeMessage(existing, incoming);
  const merged = mergeMessage(existing, incoming, { authoritative: !stale.has('status') });
  if (!stale.size) return merged;
  const keep = (field) => {
    if (field in existing) merged[field] = existing[field];
  };
  for (const group of stale) {
    if (group === 'content') {
      for (const field of Object.keys(incoming)) if (!GROUPED.has(field)) keep(field);
      merged._t = existing._t;
      merged._day = existing._day;
    } else {
      for (const field of FIELD_GROUPS[group]) keep(field);
    }
  }
  for (const field of IDENTITY_FIELDS) if (existing[field] == null && incoming[field] != null) merged[field] = incoming[field];
  return merged;
}

export const useMessagesStore = defineStore('messages', () => {
  /** key -> message (objects are replaced, never mutated, so a shallow map is enough). */
  const byKey = shallowReactive({});
  /** contactId -> {keys: string[], next, loading, loaded, error} */
  const threads = shallowReactive({});
  /** The latest inbound message that arrived live (watched by useNotifications). */
  const lastInbound = ref(null);
  /** The latest message this tab sent (the thread scrolls to it). */
  const lastSentKey = ref(null);

  // Plain indexes, not reactive: server id -> key; statuses that arrived before their message
  // (message id -> {frame, stamp}).
  const keyById = new Map();
  const earlyStatus = new Map();
  // Freshness (see the top of this file): per message key, the stamp of the last change to each
  // field group ({status, reactions, revoke, content}).
  const { touch, changedSince, raise, next: nextStamp, now: currentStamp, clear: clearStamps } = createFreshness(ALL_GROUPS);

  function thread(contactId) {
    return threads[contactId] || null;
  }

  function ensureThread(contactId) {
    if (!threads[contactId]) {
      // fetching / arrived: the newest page is being fetched, and the live messages that came
      // meanwhile (a page asked for before them does not hold them; they are placed with it).
      threads[contactId] = shallowReactive({ keys: [], next: null, loading: false, loadingOlder: false, loaded: false, error: null, fetching: 0, arrived: [] });
    }
    return threads[contactId];
  }

  function keyFor({ message_id, client_id }) {
    if (message_id != null && keyById.has(message_id)) return keyById.get(message_id);
    if (client_id && byKey[`c:${client_id}`]) return `c:${client_id}`;
    if (message_id != null && byKey[`m:${message_id}`]) return `m:${message_id}`;
    return null;
  }

  /**
   * Store one message (merged with what we have); returns [key, positionChanged].
   * @param {object} incoming
   * @param {{askedAt?: number}} [opts] askedAt: the REST copy's request stamp; without it the copy
   *   is a frame (or ours), newer than anything applied before.
   */
  function ingest(incoming, { askedAt } = {}) {
    const key = messageKey(incoming);
    const existing = toRaw(byKey)[key];
    const fromRest = askedAt !== undefined;
    let merged = fromRest ? mergeCopy(existing, incoming, changedSince(key, askedAt)) : mergeMessage(existing, incoming, { authoritative: true });
    if (!fromRest) touch(key);
    if (merged.id != null) {
      keyById.set(merged.id, key);
      const early = earlyStatus.get(merged.id);
      if (early) {
        earlyStatus.delete(merged.id);
        // The early frame is newer than a REST copy asked for before it; a later frame is newer than it.
        merged = withStatus(merged, early.frame, { authoritative: fromRest && early.stamp > askedAt });
        raise(key, 'status', early.stamp);
      }
    }
    byKey[key] = merged;
    const moved = !existing || existing._t !== merged._t;
    return [key, moved];
  }

  function withStatus(message, frame, { explicit = false, authoritative = false } = {}) {
    const status = nextStatus(message.status, frame.status, { explicit, authoritative });
    if (status === message.status) return message;
    const updated = { ...message, status };
    updated.failure_reason = status === 'failed' ? frame.failure_reason || message.failure_reason || '' : '';
    if (status !== 'failed') updated.failed_at = null;
    if (frame.at && status !== 'pending') updated[`${status}_at`] = frame.at;
    if (frame.wa_message_id) updated.wa_message_id = frame.wa_message_id;
    return updated;
  }

  /** Insert keys into a thread keeping it sorted; `resort` when a message's time changed. */
  function placeInThread(contactId, keys, { resort = false } = {}) {
    const t = ensureThread(contactId);
    const raw = toRaw(byKey);
    const present = new Set(t.keys);
    const fresh = keys.filter((k) => !present.has(k));
    if (!fresh.length && !resort) return;
    const list = t.keys.concat(fresh);
    // Usually the new ones belong at the end (live) or the start (older page): check before sorting.
    list.sort((a, b) => compare(raw[a], raw[b]));
    t.keys = list;
  }

  function applyLive(message, { addToThread }) {
    if (!message || message.contact_id == null) return null;
    const [key, moved] = ingest(message);
    const t = threads[message.contact_id];
    if (t && addToThread && t.fetching > 0) t.arrived.push(key);
    if (t && t.loaded && (addToThread || t.keys.includes(key))) placeInThread(message.contact_id, [key], { resort: moved });
    return key;
  }

  /** `message.new`: a message appeared (inbound, another agent's, or our own echoed back). */
  function applyMessageNew(message) {
    const known = message && byKey[messageKey(message)];
    const key = applyLive(message, { addToThread: true });
    if (key && !known && message.direction === 'in') lastInbound.value = byKey[key];
    return key;
  }

  /** `message.updated`: the whole message again (media ready, edited, ...). */
  function applyMessageUpdated(message) {
    return applyLive(message, { addToThread: true });
  }

  /** `message.status`: {message_id, contact_id, client_id, wa_message_id, status, failure_reason, at} */
  function applyMessageStatus(frame) {
    const key = keyFor(frame);
    if (!key) {
      // Known later (its message.new or the REST page): keep the latest status, apply it then.
      if (frame.message_id != null) {
        const prev = earlyStatus.get(frame.message_id);
        const status = nextStatus(prev?.frame.status, frame.status, { authoritative: true });
        earlyStatus.set(frame.message_id, { frame: prev && status === prev.frame.status ? prev.frame : frame, stamp: nextStamp() });
      }
      return;
    }
    const current = byKey[key];
    // Frames come in seq order: this one is the server's latest word (failed -> pending after a
    // retry elsewhere is taken; a stale REST copy cannot undo it: see changedSince).
    const updated = withStatus(current, frame, { authoritative: true });
    touch(key, ['status']);
    if (updated !== current) {
      if (updated.id == null && frame.message_id != null) {
        updated.id = frame.message_id;
        keyById.set(frame.message_id, key);
      }
      byKey[key] = updated;
    }
  }

  /** `message.reaction`: {message_id, reactions} (the whole list after the change) */
  function applyReaction({ message_id, reactions }) {
    const key = keyFor({ message_id });
    if (!key) return;
    touch(key, ['reactions']);
    byKey[key] = { ...byKey[key], reactions: reactions || [] };
  }

  /** `message.revoked`: {message_id, revoked_at} */
  function applyRevoked({ message_id, revoked_at }) {
    const key = keyFor({ message_id });
    if (!key || byKey[key].revoked) return;
    touch(key, ['revoke']);
    byKey[key] = { ...byKey[key], revoked: true, revoked_at: revoked_at || null };
  }

  function ingestPage(contactId, results, askedAt) {
    const keys = [];
    let moved = false;
    for (const message of results) {
      const [key, m] = ingest({ contact_id: Number(contactId), ...message }, { askedAt });
      keys.push(key);
      moved = moved || m;
    }
    return { keys, moved };
  }

  /** Fetch the newest page of a thread; also the live messages that arrived while it was on its way. */
  async function fetchNewest(contactId, askedAt) {
    const t = ensureThread(contactId);
    t.fetching += 1;
    try {
      const page = pageOf(await api.messages(contactId, { pageSize: PAGE_SIZE }));
      const { keys } = ingestPage(contactId, page.results, askedAt);
      return { page, keys, arrived: t.arrived.slice() };
    } finally {
      t.fetching -= 1;
      if (t.fetching === 0) t.arrived = [];
    }
  }

  /** Open a thread: the newest page, once (later opens reuse it; the socket keeps it fresh). */
  async function loadThread(contactId, { force = false } = {}) {
    const t = ensureThread(contactId);
    if ((t.loaded && !force) || t.loading) return;
    t.loading = true;
    t.error = null;
    try {
      const { page, keys, arrived } = await fetchNewest(contactId, currentStamp());
      if (!t.loaded) t.next = page.next;
      t.loaded = true;
      placeInThread(contactId, keys.concat(arrived), { resort: true });
    } catch (err) {
      t.error = err;
      throw err;
    } finally {
      t.loading = false;
    }
  }

  /**
   * After a seq gap, a reconnect or a wake-up: refetch the newest page and merge it. When the page
   * does not reach what we had (more than a page was missed), the thread restarts from that page
   * (older pages load again on scroll) so it never shows a hole; unsent optimistic ones stay.
   */
  async function refreshThread(contactId) {
    const t = ensureThread(contactId);
    if (!t.loaded) return loadThread(contactId);
    const before = new Set(t.keys);
    const { page, keys, arrived } = await fetchNewest(contactId, currentStamp());
    const overlaps = keys.length === 0 || keys.some((k) => before.has(k)) || !page.next;
    if (overlaps) {
      placeInThread(contactId, keys, { resort: true });
      return;
    }
    const raw = toRaw(byKey);
    const unsent = t.keys.filter((k) => raw[k] && raw[k].id == null);
    t.keys = [];
    t.next = page.next;
    placeInThread(contactId, keys.concat(arrived, unsent), { resort: true });
  }

  /** Older messages (scrolling up): follow the `next` cursor. */
  async function loadOlder(contactId) {
    const t = ensureThread(contactId);
    if (!t.loaded || !t.next || t.loadingOlder) return false;
    t.loadingOlder = true;
    try {
      const askedAt = currentStamp();
      const page = pageOf(await api.messages(contactId, { cursor: t.next }));
      const { keys } = ingestPage(contactId, page.results, askedAt);
      t.next = page.next;
      placeInThread(contactId, keys);
      return true;
    } finally {
      t.loadingOlder = false;
    }
  }

  /** Now, but never before the thread's newest message (a client clock behind the server's). */
  function sendTime(contactId) {
    const t = threads[contactId];
    const last = t && t.keys.length ? toRaw(byKey)[t.keys[t.keys.length - 1]] : null;
    return new Date(Math.max(Date.now(), last ? last._t + 1 : 0)).toISOString();
  }

  function optimistic(contactId, fields) {
    const me = useMeStore();
    const clientId = newClientId();
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
      client_id: clientId,
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

  function markFailed(key, reason) {
    const current = byKey[key];
    if (!current) return;
    // Not explicit: if a frame already said delivered, the message did go out after all.
    byKey[key] = withStatus(current, { status: 'failed', failure_reason: reason });
    previewStatus(key);
  }

  /**
   * The bubble showed the file from the browser's memory (an object URL) while it uploaded; once
   * the server's copy is there, its URL takes over and the memory is given back.
   */
  function releasePreview(key) {
    const m = byKey[key];
    const preview = m?._local?.preview;
    if (!preview || !m.media?.url || m.media.url === preview) return;
    try {
      URL.revokeObjectURL(preview);
    } catch {
      /* not an object URL */
    }
    setLocal(key, { preview: null, file: null });
  }

  async function post(key) {
    const message = byKey[key];
    const askedAt = currentStamp();
    try {
      const answer = await api.sendMessage(message.contact_id, sendBody(message));
      ingest(answer, { askedAt });
      setLocal(key, { posted: true });
      releasePreview(key);
      const t = threads[message.contact_id];
      if (t) placeInThread(message.contact_id, [key], { resort: true });
    } catch (err) {
      // The POST never got an answer, or the server refused it: either way the message is not
      // known to be stored, so Retry re-POSTs with the same client_id (idempotent server-side).
      setLocal(key, { posted: false });
      markFailed(key, err.message || 'Not sent');
    }
  }

  /** A new bubble of ours: in the store, in its thread (scrolled to), and atop the chat list. */
  function addOwn(contactId, message) {
    const [key] = ingest(message);
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
    const message = optimistic(contactId, {
      type,
      body,
      caption,
      media,
      reply_to: replyTo ? { id: replyTo.id, type: replyTo.type, body: replyTo.body, direction: replyTo.direction } : null,
    });
    const key = addOwn(contactId, message);
    post(key);
    return key;
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
      reply_to: replyTo ? { id: replyTo.id, type: replyTo.type, body: replyTo.body, direction: replyTo.direction } : null,
    });
    const key = addOwn(contactId, message);
    setLocal(key, { progress: 0, file, preview: previewUrl });
    await uploadThenPost(key);
    return key;
  }

  async function uploadThenPost(key) {
    const message = byKey[key];
    const file = message._local?.file;
    if (!message.media?.id && file) {
      try {
        const media = await api.uploadMedia(file, { onProgress: (fraction) => setLocal(key, { progress: fraction }) });
        byKey[key] = { ...byKey[key], media: { ...media, url: byKey[key].media?.url || media.url } };
        setLocal(key, { progress: null });
      } catch (err) {
        setLocal(key, { progress: null });
        markFailed(key, err.message || 'Upload failed');
        return;
      }
    }
    await post(key);
  }

  /** Retry a failed message: server-side retry when it was stored, else POST again (same client_id). */
  async function retry(key) {
    const message = byKey[key];
    if (!message || message.status !== 'failed') return;
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
        markFailed(key, err.message || 'Retry failed');
      }
    }
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

  /** The messages of a thread, oldest first (for components that need them all; the thread view reads keys). */
  function threadMessages(contactId) {
    const t = threads[contactId];
    return t ? t.keys.map((k) => byKey[k]) : [];
  }

  function $reset() {
    for (const k of Object.keys(byKey)) delete byKey[k];
    for (const k of Object.keys(threads)) delete threads[k];
    keyById.clear();
    earlyStatus.clear();
    clearStamps();
    lastInbound.value = null;
    lastSentKey.value = null;
  }

  return {
    byKey,
    threads,
    lastInbound,
    lastSentKey,
    thread,
    keyFor,
    applyMessageNew,
    applyMessageUpdated,
    applyMessageStatus,
    applyReaction,
    applyRevoked,
    loadThread,
    refreshThread,
    loadOlder,
    send,
    sendMedia,
    retry,
    react,
    threadMessages,
    $reset,
  };
});
