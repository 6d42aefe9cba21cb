// stores/messages/paging.js: a thread's pages, and refetches merged by freshness (merge.js).
import { describe, it, expect, beforeEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeMessage, makeChat, deferred, flush } from '../../helpers.js';

vi.mock('../../../../src/api/index.js', () => ({
  api: {
    messages: vi.fn(),
    sendMessage: vi.fn(),
    retryMessage: vi.fn(),
    react: vi.fn(),
    uploadMedia: vi.fn(),
    me: vi.fn(),
  },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));

const { api } = await import('../../../../src/api/index.js');
const { useMessagesStore } = await import('../../../../src/stores/messages/index.js');
const { useChatsStore } = await import('../../../../src/stores/chats.js');
const { ApiError } = await import('../../../../src/api/http.js');

const CONTACT = 12;

function page(results, next = null) {
  return { next, previous: null, results };
}

async function openThread(store, messages = []) {
  api.messages.mockResolvedValueOnce(page([...messages].reverse()));
  await store.loadThread(CONTACT);
}

function keysOf(store) {
  return store.threads[CONTACT].keys;
}

describe('messages store', () => {
  let store;
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    store = useMessagesStore();
  });

  describe('loading', () => {
    it('test_load_thread_orders_oldest_first', async () => {
      const a = makeMessage({ id: 1, timestamp: '2026-11-25T10:00:00Z' });
      const b = makeMessage({ id: 2, timestamp: '2026-11-25T10:01:00Z' });
      api.messages.mockResolvedValueOnce(page([b, a], 'http://demo.localhost/api/v1/contacts/12/messages/?cursor=x'));
      await store.loadThread(CONTACT);
      expect(store.threadMessages(CONTACT).map((m) => m.id)).toEqual([1, 2]);
      expect(store.threads[CONTACT].next).toContain('cursor=x');
    });

    it('test_load_older_prepends_the_next_page', async () => {
      const newer = makeMessage({ id: 10, timestamp: '2026-11-25T10:10:00Z' });
      const older = makeMessage({ id: 5, timestamp: '2026-11-25T10:05:00Z' });
      api.messages.mockResolvedValueOnce(page([newer], 'http://x/next'));
      await store.loadThread(CONTACT);
      api.messages.mockResolvedValueOnce(page([older], null));
      await store.loadOlder(CONTACT);
      expect(store.threadMessages(CONTACT).map((m) => m.id)).toEqual([5, 10]);
      expect(store.threads[CONTACT].next).toBe(null);
      expect(await store.loadOlder(CONTACT)).toBe(false);
    });
  });

  describe('refetch', () => {
    function slowPage() {
      const answer = deferred();
      api.messages.mockReturnValueOnce(answer.promise);
      return answer;
    }

    it('test_a_refetch_after_a_retry_elsewhere_shows_the_servers_pending', async () => {
      const m = makeMessage({ id: 83, direction: 'out', status: 'failed', client_id: 'c-83', failure_reason: 'bridge down' });
      await openThread(store, [m]);
      api.messages.mockResolvedValueOnce(page([{ ...m, status: 'pending', failure_reason: '', failed_at: null }]));
      await store.refreshThread(CONTACT);
      expect(store.byKey['c:c-83']).toMatchObject({ status: 'pending', failure_reason: '' });
    });

    it('test_a_refetch_asked_before_the_retry_frame_cannot_bring_failed_back', async () => {
      const m = makeMessage({ id: 84, direction: 'out', status: 'failed', client_id: 'c-84', failure_reason: 'bridge down' });
      await openThread(store, [m]);
      const answer = slowPage();
      const refreshing = store.refreshThread(CONTACT);
      store.applyMessageStatus({ message_id: 84, client_id: 'c-84', status: 'pending', failure_reason: '' });
      answer.resolve(page([m])); // read before the retry
      await refreshing;
      expect(store.byKey['c:c-84'].status).toBe('pending');
      store.applyMessageStatus({ message_id: 84, client_id: 'c-84', status: 'sent', failure_reason: '' });
      expect(store.byKey['c:c-84'].status).toBe('sent');
    });

    it('test_a_message_arriving_while_the_thread_opens_is_in_the_thread', async () => {
      const old = makeMessage({ id: 90, timestamp: '2026-01-01T10:00:00Z' });
      const answer = slowPage();
      const opening = store.loadThread(CONTACT);
      store.applyMessageNew(makeMessage({ id: 91, timestamp: '2026-01-01T10:05:00Z' }));
      answer.resolve(page([old])); // asked for before message 91 existed
      await opening;
      expect(keysOf(store)).toEqual(['m:90', 'm:91']);
    });

    it('test_a_message_arriving_while_the_thread_opens_and_in_its_page_shows_once', async () => {
      const old = makeMessage({ id: 95, timestamp: '2026-01-01T10:00:00Z' });
      const live = makeMessage({ id: 96, timestamp: '2026-01-01T10:05:00Z' });
      const answer = slowPage();
      const opening = store.loadThread(CONTACT);
      store.applyMessageNew(live);
      answer.resolve(page([live, old])); // read after message 96 was committed
      await opening;
      expect(keysOf(store)).toEqual(['m:95', 'm:96']);
    });

    it('test_a_message_arriving_during_a_refetch_that_restarts_the_thread_stays', async () => {
      await openThread(store, [makeMessage({ id: 92, timestamp: '2026-01-01T09:00:00Z' })]);
      const answer = slowPage();
      const refreshing = store.refreshThread(CONTACT);
      store.applyMessageNew(makeMessage({ id: 94, timestamp: '2026-01-01T10:10:00Z' }));
      // More than a page was missed: the page does not reach message 92, the thread restarts from it.
      answer.resolve(page([makeMessage({ id: 93, timestamp: '2026-01-01T10:00:00Z' })], 'cursor-older'));
      await refreshing;
      expect(keysOf(store)).toEqual(['m:93', 'm:94']);
    });

    it('test_a_refetch_asked_before_a_reaction_keeps_the_reaction', async () => {
      const m = makeMessage({ id: 85 });
      await openThread(store, [m]);
      const answer = slowPage();
      const refreshing = store.refreshThread(CONTACT);
      const reactions = [{ emoji: '👍', from: 'customer', user_id: null }];
      store.applyReaction({ message_id: 85, contact_id: CONTACT, reactions });
      answer.resolve(page([{ ...m, reactions: [] }]));
      await refreshing;
      expect(store.byKey['m:85'].reactions).toEqual(reactions);
    });

    it('test_a_refetch_asked_before_an_edit_keeps_the_edited_body', async () => {
      const m = makeMessage({ id: 86, body: 'my adress' });
      await openThread(store, [m]);
      const answer = slowPage();
      const refreshing = store.refreshThread(CONTACT);
      store.applyMessageUpdated({ ...m, body: 'my address', edited: true, edits: [{ body: 'my adress', edited_at: 'x' }], edited_at: 'x' });
      answer.resolve(page([m]));
      await refreshing;
      expect(store.byKey['m:86']).toMatchObject({ body: 'my address', edited: true });
    });

    it('test_a_refetch_takes_what_no_frame_changed_since_it_was_asked_for', async () => {
      // a reaction frame was missed (the gap that caused this refetch); a status frame came after
      const m = makeMessage({ id: 87, direction: 'out', status: 'sent', client_id: 'c-87' });
      await openThread(store, [m]);
      const answer = slowPage();
      const refreshing = store.refreshThread(CONTACT);
      store.applyMessageStatus({ message_id: 87, client_id: 'c-87', status: 'read' });
      const reactions = [{ emoji: '🙏', from: 'customer', user_id: null }];
      answer.resolve(page([{ ...m, status: 'delivered', reactions }]));
      await refreshing;
      expect(store.byKey['c:c-87']).toMatchObject({ status: 'read', reactions });
    });

    it('test_a_refetch_asked_after_the_frames_is_the_truth', async () => {
      const m = makeMessage({ id: 88, body: 'old' });
      await openThread(store, [m]);
      store.applyReaction({ message_id: 88, contact_id: CONTACT, reactions: [{ emoji: '👍', from: 'customer', user_id: null }] });
      api.messages.mockResolvedValueOnce(page([{ ...m, reactions: [] }])); // removed since, its frame missed
      await store.refreshThread(CONTACT);
      expect(store.byKey['m:88'].reactions).toEqual([]);
    });

    it('test_refresh_merges_and_keeps_unsent_optimistic_messages', async () => {
      await openThread(store, [makeMessage({ id: 1 })]);
      api.sendMessage.mockReturnValueOnce(new Promise(() => {}));
      const key = store.send(CONTACT, { body: 'in flight' });
      api.messages.mockResolvedValueOnce(page([makeMessage({ id: 2 }), makeMessage({ id: 1 })]));
      await store.refreshThread(CONTACT);
      expect(store.threadMessages(CONTACT).map((m) => m.id ?? m._key)).toEqual([1, 2, key]);
    });

    it('test_refresh_after_a_long_gap_restarts_the_thread_without_a_hole', async () => {
      await openThread(store, [makeMessage({ id: 1, timestamp: '2026-11-25T09:00:00Z' })]);
      const fresh = [makeMessage({ id: 300, timestamp: '2026-11-25T12:00:00Z' }), makeMessage({ id: 299, timestamp: '2026-11-25T11:59:00Z' })];
      api.messages.mockResolvedValueOnce(page(fresh, 'http://x/older'));
      await store.refreshThread(CONTACT);
      expect(store.threadMessages(CONTACT).map((m) => m.id)).toEqual([299, 300]);
      expect(store.threads[CONTACT].next).toBe('http://x/older');
    });
  });
});
