// Messages of every opened thread, normalised by a stable key (merge.js: the key, the merge
// rules and freshness). This module holds the state and applies live frames; paging.js loads a
// thread's pages over REST, send.js is what this tab sends (outbox.js keeps what the server has
// not got across reloads). Every apply action is idempotent and statuses only move forward
// (lib/status.js).
import { defineStore } from 'pinia';
import { ref, shallowReactive, toRaw } from 'vue';
import { nextStatus } from '../../lib/status.js';
import { createFreshness } from '../../lib/freshness.js';
import { messageKey, compareMessages, mergeMessage, mergeCopy, withStatus, ALL_GROUPS } from './merge.js';
import { createPaging } from './paging.js';
import { createAround } from './around.js';
import { createSending } from './send.js';

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
  // Freshness (merge.js): per message key, the stamp of the last change to each
  // field group ({status, reactions, revoke, content}).
  const freshness = createFreshness(ALL_GROUPS);
  const { touch, changedSince, raise, next: nextStamp, now: currentStamp, clear: clearStamps } = freshness;

  function thread(contactId) {
    return threads[contactId] || null;
  }

  function ensureThread(contactId) {
    if (!threads[contactId]) {
      // fetching / arrived: the newest page is being fetched, and the live messages that came
      // meanwhile (a page asked for before them does not hold them; they are placed with it).
      threads[contactId] = shallowReactive({ keys: [], next: null, newer: null, loadingNewer: false, loading: false, loadingOlder: false, loaded: false, error: null, fetching: 0, arrived: [] });
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

  /** Insert keys into a thread keeping it sorted; `resort` when a message's time changed. */
  function placeInThread(contactId, keys, { resort = false } = {}) {
    const t = ensureThread(contactId);
    const raw = toRaw(byKey);
    const present = new Set(t.keys);
    // `keys` may name one message twice: a page and the live frames that came while it was on its
    // way both hold a message that arrived meanwhile.
    const fresh = [...new Set(keys)].filter((k) => !present.has(k));
    if (!fresh.length && !resort) return;
    const list = t.keys.concat(fresh);
    // Usually the new ones belong at the end (live) or the start (older page): check before sorting.
    list.sort((a, b) => compareMessages(raw[a], raw[b]));
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
    // A message fetched after the fact (catch-up, history import) is shown, never notified.
    if (key && !known && message.direction === 'in' && !message.history) lastInbound.value = byKey[key];
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

  const internals = { byKey, threads, lastSentKey, ensureThread, ingest, placeInThread, currentStamp, freshness };
  const { send, sendMedia, retry, recoveryOf, replaceFile, discard, restoreUnsent, react } = createSending(internals);
  const { loadThread, refreshThread, loadOlder, threadMessages } = createPaging({ ...internals, restoreUnsent });
  const { loadAround, loadNewer } = createAround({ ...internals, keyFor });

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
    loadAround,
    loadNewer,
    send,
    sendMedia,
    retry,
    recoveryOf,
    replaceFile,
    discard,
    react,
    threadMessages,
    $reset,
  };
});
