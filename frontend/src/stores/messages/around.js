// A thread opened at one message (a search hit, a quote whose message is not loaded): the page
// centred on it (GET .../messages/?around=<id>), then older pages on scroll up as usual (`next`)
// and newer ones on scroll down (`newer`, the page's `previous` link) until the newest is reached.
// While `newer` is set the thread is a window of the history, not its end: live messages still
// land in it by time (the merge keeps order), and the newer pages fill what lies between.
import { toRaw } from 'vue';
import { api, pageOf } from '../../api/index.js';
import { PAGE_SIZE } from './paging.js';

/** @param {object} store the messages store's internals (stores/messages/index.js) */
export function createAround({ byKey, ensureThread, ingest, placeInThread, currentStamp, keyFor }) {
  function ingestPage(contactId, results, askedAt) {
    return results.map((message) => ingest({ contact_id: Number(contactId), ...message }, { askedAt })[0]);
  }

  /** Make sure `messageId` is in the thread; its key (null when the server does not have it). */
  async function loadAround(contactId, messageId) {
    const known = keyFor({ message_id: messageId });
    const t = ensureThread(contactId);
    if (known && t.keys.includes(known)) return known;
    const askedAt = currentStamp();
    const page = pageOf(await api.messagesAround(contactId, messageId, { pageSize: PAGE_SIZE }));
    const keys = ingestPage(contactId, page.results, askedAt);
    const raw = toRaw(byKey);
    const unsent = t.keys.filter((k) => raw[k] && raw[k].id == null);
    t.keys = [];
    t.next = page.next;
    t.newer = page.previous;
    t.loaded = true;
    placeInThread(contactId, keys.concat(unsent), { resort: true });
    return keyFor({ message_id: messageId });
  }

  /** Newer messages (scrolling down in a window opened around a message): follow `newer`. */
  async function loadNewer(contactId) {
    const t = ensureThread(contactId);
    if (!t.newer || t.loadingNewer) return false;
    t.loadingNewer = true;
    try {
      const askedAt = currentStamp();
      const page = pageOf(await api.messages(contactId, { cursor: t.newer }));
      const keys = ingestPage(contactId, page.results, askedAt);
      t.newer = page.previous;
      placeInThread(contactId, keys);
      return true;
    } finally {
      t.loadingNewer = false;
    }
  }

  return { loadAround, loadNewer };
}
