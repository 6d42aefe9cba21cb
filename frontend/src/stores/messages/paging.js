// A thread's pages over REST: the newest page when a chat opens, the newest page again after a
// gap or a reconnect (merged, never leaving a hole), and older pages when the reader scrolls up.
// Every copy is merged with the request's freshness stamp (see merge.js).
import { toRaw } from 'vue';
import { api, pageOf } from '../../api/index.js';

export const PAGE_SIZE = 50;

/**
 * @param {object} store the messages store's internals (stores/messages/index.js)
 * @param {object} store.byKey
 * @param {object} store.threads
 * @param {(contactId: number) => object} store.ensureThread
 * @param {(message: object, opts: {askedAt: number}) => [string, boolean]} store.ingest
 * @param {(contactId: number, keys: string[], opts?: {resort?: boolean}) => void} store.placeInThread
 * @param {() => number} store.currentStamp
 * @param {(contactId: number) => string[]} [store.restoreUnsent] keys of this tab's messages the
 *   server never got (the outbox of an earlier page load), shown when a thread first opens
 */
export function createPaging({ byKey, threads, ensureThread, ingest, placeInThread, currentStamp, restoreUnsent = () => [] }) {
  function ingestPage(contactId, results, askedAt) {
    const keys = [];
    for (const message of results) {
      const [key] = ingest({ contact_id: Number(contactId), ...message }, { askedAt });
      keys.push(key);
    }
    return keys;
  }

  /** Fetch the newest page of a thread; also the live messages that arrived while it was on its way. */
  async function fetchNewest(contactId, askedAt) {
    const t = ensureThread(contactId);
    t.fetching += 1;
    try {
      const page = pageOf(await api.messages(contactId, { pageSize: PAGE_SIZE }));
      const keys = ingestPage(contactId, page.results, askedAt);
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
      const first = !t.loaded;
      if (first) t.next = page.next;
      t.loaded = true;
      // After the page: a message of the outbox that the page holds was stored after all.
      placeInThread(contactId, keys.concat(arrived, first ? restoreUnsent(contactId) : []), { resort: true });
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
    t.newer = null; // a window opened around a message (around.js) is left for the newest
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
      const keys = ingestPage(contactId, page.results, askedAt);
      t.next = page.next;
      placeInThread(contactId, keys);
      return true;
    } finally {
      t.loadingOlder = false;
    }
  }

  /** The messages of a thread, oldest first (for components that need them all; the thread view reads keys). */
  function threadMessages(contactId) {
    const t = threads[contactId];
    return t ? t.keys.map((k) => byKey[k]) : [];
  }

  return { loadThread, refreshThread, loadOlder, threadMessages };
}
