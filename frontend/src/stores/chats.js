// The chat list: one row per contact (the chat row of docs/api.md), by contact id, ordered by
// last activity; plus who is typing and who is online. Every apply action is idempotent and a
// stale row never pushes a newer last message out.
import { defineStore } from 'pinia';
import { ref, computed, shallowReactive, toRaw } from 'vue';
import { api, pageOf } from '../api/index.js';
import { createFreshness } from '../lib/freshness.js';
import { nextStatus } from '../lib/status.js';
import { useMeStore } from './me.js';
import { PREVIEW_FIELDS, ROW_GROUPS, activityOf, inView, lastIdOf, mergeRow, newerThan, sameMessage } from './chatRows.js';

export const useChatsStore = defineStore('chats', () => {
  const byId = shallowReactive({});
  /** contactId -> {state, from, user, until} while someone types there */
  const typing = shallowReactive({});
  /** contactId -> {online, last_seen} */
  const presence = shallowReactive({});
  const openId = ref(null);
  const next = ref(null);
  const loaded = ref(false);
  const loading = ref(false);
  const loadingMore = ref(false);
  const error = ref(null);

  const search = shallowReactive({ q: '', loading: false, chats: [], messages: [], error: null });
  // The list's view: assignee 'mine' | 'none' | 'all', status ('' = all), label id, session id.
  // Rows that stop matching (a chat assigned away, resolved) leave the view at once; rows that
  // start matching (assigned to me) join it from their chat.updated frame.
  const filters = shallowReactive({ assignee: 'all', status: 'open', label: '', session_id: '' });
  const counts = shallowReactive({ assignee: { mine: 0, unassigned: 0, all: 0 }, status: { open: 0, pending: 0, resolved: 0, snoozed: 0 } });
  let countsTimer = null;
  let searchSerial = 0;
  const typingTimers = new Map();

  const orderedIds = computed(() => {
    const myId = useMeStore().user?.id;
    const rows = Object.values(byId).filter((row) => inView(row, filters, myId));
    rows.sort((a, b) => b._t - a._t || lastIdOf(b) - lastIdOf(a) || b.id - a.id);
    return rows.map((r) => r.id);
  });

  const openChat = computed(() => (openId.value != null ? byId[openId.value] || null : null));
  const unreadTotal = computed(() => Object.values(byId).reduce((n, c) => n + (c.unread_count > 0 ? 1 : 0), 0));

  // Freshness, as in the messages store: every frame applied to a row (and every change this tab
  // makes to it: the badge cleared on read, our own send) stamps the field groups it changed with
  // the next value of a counter that only goes up; in a REST row asked for before a group's stamp,
  // that group stays ours. Groups: `preview` (last message and its time: message frames),
  // `unread` (the badge), `row` (the rest: name, assignee...); chat.updated changes them all.
  const { touch, changedSince, now: currentStamp } = createFreshness(ROW_GROUPS);

  /**
   * Merge a chat row: a `chat.updated` frame (no askedAt), or a REST row asked for at `askedAt`.
   * A row older than ours keeps our newer last message and its time. In a REST row, the groups a
   * frame changed since it was asked for stay ours, unless the row carries a message newer than
   * ours: then it was read after everything we applied (frames come in order), and it wins.
   */
  function upsert(incoming, { askedAt } = {}) {
    if (!incoming || incoming.id == null) return;
    const id = incoming.id;
    const fromRest = askedAt !== undefined;
    if (!fromRest) touch(id);
    const existing = toRaw(byId)[id];
    if (!existing) {
      byId[id] = { ...incoming, _t: activityOf(incoming) };
      return;
    }
    const stale = fromRest ? changedSince(id, askedAt) : new Set();
    const aheadOfUs = incoming.last_message && !sameMessage(existing.last_message, incoming.last_message)
      && newerThan(incoming, activityOf(incoming), existing, existing._t);
    if (!stale.size || aheadOfUs) {
      byId[id] = mergeRow(existing, incoming);
      return;
    }
    let row = { ...existing };
    if (!stale.has('row')) {
      for (const [field, value] of Object.entries(incoming)) if (!PREVIEW_FIELDS.includes(field) && field !== 'unread_count') row[field] = value;
    }
    if (!stale.has('unread') && 'unread_count' in incoming) row.unread_count = incoming.unread_count;
    if (!stale.has('preview')) row = mergeRow(row, { ...row, last_message: incoming.last_message, last_message_at: incoming.last_message_at });
    byId[id] = row;
  }

  // A message for a chat we have no row for (a new customer): its chat.updated normally follows
  // at once; if it has not come shortly after, the list is refetched.
  const missingRows = new Set();
  let missingTimer = null;
  function fetchMissingRow(id) {
    missingRows.add(id);
    if (missingTimer) return;
    missingTimer = setTimeout(() => {
      missingTimer = null;
      const stillMissing = [...missingRows].some((cid) => !byId[cid]);
      missingRows.clear();
      if (stillMissing && loaded.value) fetchChats().catch(() => {});
    }, 1000);
  }

  /** `chat.updated`: the whole chat row. */
  function applyChatUpdated(chat) {
    upsert(chat);
    scheduleCounts();
  }

  /** `chat.hidden`: a chat this agent may no longer see. */
  function applyHidden({ contact_id: id }) {
    if (id == null || !byId[id]) return;
    delete byId[id];
    scheduleCounts();
  }

  /** The views' counts, refetched once per burst of changes. */
  function scheduleCounts() {
    if (countsTimer || !loaded.value) return;
    countsTimer = setTimeout(() => {
      countsTimer = null;
      fetchCounts().catch(() => {});
    }, 300);
  }

  async function fetchCounts() {
    const answer = await api.chatCounts(apiFilters());
    Object.assign(counts, { label: {}, session: {} }, answer);
  }

  /** Another view: the rows of the old one stay cached; the new one's first page is fetched. */
  async function setFilters(changes) {
    Object.assign(filters, changes);
    next.value = null;
    loaded.value = false;
    await Promise.allSettled([fetchChats(), fetchCounts()]);
  }

  /** PATCH /chats/{id}/ (status, snoozed_until, assignee_id, label_ids): the answer is the row. */
  async function updateChat(id, changes) {
    const askedAt = currentStamp();
    const row = await api.updateChat(id, changes);
    upsert(row, { askedAt });
    scheduleCounts();
    return row;
  }

  function timeOfMessage(message) {
    return Date.parse(message.timestamp || message.created_at || '') || Date.now();
  }

  /** A live message: bump the row's preview and order (the unread count comes with chat.updated). */
  function applyMessage(message) {
    if (!message || message.contact_id == null) return;
    // Notes and system lines stay in the thread: the server keeps them out of the row's preview.
    if (message.type === 'note' || message.type === 'system') return;
    const row = byId[message.contact_id];
    if (!row) {
      fetchMissingRow(message.contact_id);
      return;
    }
    touch(row.id, ['preview']);
    const t = timeOfMessage(message);
    if (sameMessage(row.last_message, message)) {
      const last = { ...message, status: nextStatus(row.last_message.status, message.status, { authoritative: true }) };
      // The server's copy of our optimistic message: its time replaces this browser's clock.
      const serverTime = row.last_message.id == null && message.id != null ? { last_message_at: message.timestamp || row.last_message_at, _t: t } : {};
      byId[row.id] = { ...row, last_message: last, ...serverTime };
      return;
    }
    if (newerThan(row, row._t, { last_message: message }, t)) return;
    byId[row.id] = { ...row, last_message: message, last_message_at: message.timestamp || new Date(t).toISOString(), _t: t };
  }

  /**
   * Our own message, before the server has it: the row previews it with its clock and goes to the
   * top, as WhatsApp does (the server's copy replaces it when its echo or chat.updated comes).
   */
  function applyOwnSend(message) {
    const row = message && byId[message.contact_id];
    if (!row || message.type === 'note') return;
    touch(row.id, ['preview']);
    const t = timeOfMessage(message);
    byId[row.id] = { ...row, last_message: message, last_message_at: message.timestamp, _t: Math.max(t, row._t || 0) };
  }

  /**
   * A message of ours the server never got was removed: a row previewing it shows `replacement`
   * (the thread's last message now) instead.
   */
  function forgetOwnMessage(message, replacement = null) {
    const row = message && byId[message.contact_id];
    if (!row || !sameMessage(row.last_message, message)) return;
    touch(row.id, ['preview']);
    byId[row.id] = { ...row, last_message: replacement };
  }

  /** `message.status` (and our own send's local status): the preview's tick follows the thread's. */
  function applyMessageStatus(frame) {
    const row = byId[frame.contact_id];
    if (!row || !row.last_message) return;
    const last = row.last_message;
    const matches = (frame.message_id != null && last.id === frame.message_id) || (frame.client_id && last.client_id === frame.client_id);
    if (!matches) return;
    touch(row.id, ['preview']);
    // In seq order, so the server's latest word: a retry elsewhere lifts `failed` here too.
    const status = nextStatus(last.status, frame.status, { authoritative: true });
    if (status === last.status) return;
    byId[row.id] = { ...row, last_message: { ...last, status, id: last.id ?? frame.message_id } };
  }

  /** `message.revoked`: the preview says so too. */
  function applyRevoked(frame) {
    const row = byId[frame.contact_id];
    if (!row || !row.last_message || row.last_message.id !== frame.message_id || row.last_message.revoked) return;
    touch(row.id, ['preview']);
    byId[row.id] = { ...row, last_message: { ...row.last_message, revoked: true } };
  }

  /** `typing`: {contact_id, from, user, state, expires_in}. "paused" clears it; it also expires. */
  function applyTyping({ contact_id: id, from = 'contact', user = null, state, expires_in: expiresIn }) {
    if (id == null) return;
    const me = useMeStore();
    if (from === 'agent' && user && me.user && user.id === me.user.id) return; // our own, echoed
    clearTimeout(typingTimers.get(id));
    typingTimers.delete(id);
    if (!state || state === 'paused') {
      if (typing[id]) delete typing[id];
      return;
    }
    const seconds = Number(expiresIn) > 0 ? Number(expiresIn) : 6;
    typing[id] = { state, from, user, until: Date.now() + seconds * 1000 };
    typingTimers.set(id, setTimeout(() => {
      typingTimers.delete(id);
      delete typing[id];
    }, seconds * 1000));
  }

  /** `presence`: {contact_id, online, last_seen} */
  function applyPresence({ contact_id: id, online, last_seen: lastSeen }) {
    if (id == null) return;
    const prev = presence[id];
    if (prev && prev.online === Boolean(online) && prev.last_seen === (lastSeen ?? prev.last_seen)) return;
    presence[id] = { online: Boolean(online), last_seen: lastSeen ?? prev?.last_seen ?? null };
  }

  /** The customer's own message means they are not typing any more. */
  function clearTypingOnMessage(message) {
    if (message?.direction === 'in' && typing[message.contact_id]?.from === 'contact') {
      applyTyping({ contact_id: message.contact_id, state: 'paused' });
    }
  }

  async function fetchChats() {
    loading.value = true;
    error.value = null;
    try {
      const askedAt = currentStamp();
      const page = pageOf(await api.chats({ filters: apiFilters() }));
      for (const chat of page.results) upsert(chat, { askedAt });
      if (!loaded.value) next.value = page.next;
      loaded.value = true;
    } catch (err) {
      error.value = err;
      throw err;
    } finally {
      loading.value = false;
    }
  }

  function apiFilters() {
    return { ...filters, assignee: filters.assignee === 'mine' ? 'me' : filters.assignee };
  }

  /** The source of truth again (a seq gap, a reconnect, a wake-up): the newest page, merged. */
  function refresh() {
    return Promise.all([fetchChats(), fetchCounts().catch(() => {})]).then(([first]) => first);
  }

  async function loadMore() {
    if (!next.value || loadingMore.value) return;
    loadingMore.value = true;
    try {
      const askedAt = currentStamp();
      const page = pageOf(await api.chats({ cursor: next.value }));
      for (const chat of page.results) upsert(chat, { askedAt });
      next.value = page.next;
    } finally {
      loadingMore.value = false;
    }
  }

  /** One contact's row (opening a chat by URL that is not in the loaded pages). */
  async function ensureChat(id) {
    if (byId[id]) return byId[id];
    const askedAt = currentStamp();
    const contact = await api.contact(id);
    upsert({ unread_count: 0, last_message: null, ...contact }, { askedAt });
    return byId[id];
  }

  function setOpen(id) {
    openId.value = id == null ? null : Number(id);
  }

  /** Zero the badge at once (the read frame or POST follows). */
  function clearUnread(id) {
    const row = byId[id];
    if (row && row.unread_count) {
      touch(id, ['unread']);
      byId[id] = { ...row, unread_count: 0 };
    }
  }

  /** REST fallback of the socket's `read` frame. */
  async function markRead(id) {
    clearUnread(id);
    const askedAt = currentStamp();
    const row = await api.markRead(id);
    if (row && row.id != null) upsert(row, { askedAt });
  }

  /** "New chat": a contact by phone number (200 with the existing one when known). */
  async function createChat({ phone, name }) {
    const askedAt = currentStamp();
    const contact = await api.createContact({ phone, name });
    upsert({ unread_count: 0, last_message: null, ...contact }, { askedAt });
    return byId[contact.id];
  }

  /** Search chats (name, phone, text) and messages at once; the latest query wins. */
  async function runSearch(q) {
    const serial = ++searchSerial;
    search.q = q;
    if (!q.trim()) {
      search.chats = [];
      search.messages = [];
      search.loading = false;
      search.error = null;
      return;
    }
    search.loading = true;
    search.error = null;
    try {
      const askedAt = currentStamp();
      const [chatsPage, messagesPage] = await Promise.all([api.chats({ q }), api.searchMessages({ q })]);
      if (serial !== searchSerial) return;
      const chats = pageOf(chatsPage).results;
      for (const chat of chats) upsert(chat, { askedAt });
      search.chats = chats.map((c) => c.id);
      search.messages = pageOf(messagesPage).results;
    } catch (err) {
      if (serial === searchSerial) search.error = err;
    } finally {
      if (serial === searchSerial) search.loading = false;
    }
  }

  return {
    byId,
    typing,
    presence,
    openId,
    next,
    loaded,
    loading,
    loadingMore,
    error,
    search,
    orderedIds,
    filters,
    counts,
    applyHidden,
    scheduleCounts,
    fetchCounts,
    setFilters,
    updateChat,
    openChat,
    unreadTotal,
    applyChatUpdated,
    applyMessage,
    applyOwnSend,
    forgetOwnMessage,
    applyMessageStatus,
    applyRevoked,
    applyTyping,
    applyPresence,
    clearTypingOnMessage,
    fetchChats,
    refresh,
    loadMore,
    ensureChat,
    setOpen,
    clearUnread,
    markRead,
    createChat,
    runSearch,
  };
});
