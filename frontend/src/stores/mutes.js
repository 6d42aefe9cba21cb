// The chats this agent muted (no desktop notification, no chime), kept by the server per member
// (GET /mutes/, PUT|DELETE /contacts/{id}/mute/) so every device of theirs agrees; a `chat.muted`
// frame from another tab or device applies here at once, and a reconnect reads the list again.
import { defineStore } from 'pinia';
import { reactive, ref } from 'vue';
import { api } from '../api/index.js';
import { takeLocalMutes } from '../lib/mute.js';

/** WhatsApp's choices: 8 hours, a week, always (null). */
export const MUTE_CHOICES = [
  { key: 'hours8', ms: 8 * 3600 * 1000 },
  { key: 'week', ms: 7 * 24 * 3600 * 1000 },
  { key: 'always', ms: null },
];

export const useMutesStore = defineStore('mutes', () => {
  /** contact id -> muted_until (ISO) or null (for good). */
  const until = reactive({});
  const loaded = ref(false);
  // Bumped when a mute ends by itself, so the bell icons re-render without a request.
  const clock = ref(Date.now());
  let timer = null;

  function scheduleExpiry() {
    clearTimeout(timer);
    const ends = Object.values(until).filter(Boolean).map((iso) => Date.parse(iso)).filter((t) => t > Date.now());
    if (!ends.length) return;
    const wait = Math.min(Math.min(...ends) - Date.now() + 50, 2 ** 31 - 1);
    timer = setTimeout(() => {
      clock.value = Date.now();
      scheduleExpiry();
    }, wait);
  }

  function set(contactId, value) {
    if (value === undefined) delete until[contactId];
    else until[contactId] = value;
    scheduleExpiry();
  }

  /** True while `contactId` is muted (a mute whose time passed is over). */
  function isMuted(contactId, now = Math.max(clock.value, Date.now())) {
    if (!(contactId in until)) return false;
    const end = until[contactId];
    return end == null || Date.parse(end) > now;
  }

  function mutedUntil(contactId) {
    return isMuted(contactId) ? until[contactId] : undefined;
  }

  /** The server's list; mutes this browser kept on its own before they were the server's go up once. */
  async function load(workspace) {
    const local = workspace ? takeLocalMutes(workspace) : [];
    await Promise.allSettled(local.map((id) => api.mute(id, null)));
    const rows = await api.mutes();
    for (const key of Object.keys(until)) delete until[key];
    for (const row of rows) until[row.contact_id] = row.muted_until;
    loaded.value = true;
    scheduleExpiry();
  }

  async function refresh() {
    if (loaded.value) await load();
  }

  /** `ms` from now, or null: for good. Shown at once; undone if the server refuses. */
  async function mute(contactId, ms = null) {
    const before = until[contactId];
    const end = ms == null ? null : new Date(Date.now() + ms).toISOString();
    set(contactId, end);
    try {
      const row = await api.mute(contactId, end);
      set(contactId, row.muted_until);
    } catch (err) {
      set(contactId, before);
      throw err;
    }
  }

  async function unmute(contactId) {
    const before = until[contactId];
    set(contactId, undefined);
    try {
      await api.unmute(contactId);
    } catch (err) {
      set(contactId, before);
      throw err;
    }
  }

  /** `chat.muted` from this member's other tab or device. */
  function applyFrame(frame) {
    set(frame.contact_id, frame.muted ? frame.muted_until : undefined);
  }

  return { until, loaded, isMuted, mutedUntil, load, refresh, mute, unmute, applyFrame };
});
