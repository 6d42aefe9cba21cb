import { describe, it, expect, beforeEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeMessage, makeChat, deferred, flush } from './helpers.js';

vi.mock('../../src/api/index.js', () => ({
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

const { api } = await import('../../src/api/index.js');
const { useMessagesStore } = await import('../../src/stores/messages/index.js');
const { useChatsStore } = await import('../../src/stores/chats.js');
const { ApiError } = await import('../../src/api/http.js');

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

  describe('applying events', () => {
    it('test_message_new_appends_to_the_open_thread', async () => {
      await openThread(store, [makeMessage({ id: 1 })]);
      store.applyMessageNew(makeMessage({ id: 2 }));
      expect(store.threadMessages(CONTACT).map((m) => m.id)).toEqual([1, 2]);
    });

    it('test_duplicate_message_new_changes_nothing', async () => {
      await openThread(store, [makeMessage({ id: 1 })]);
      const m = makeMessage({ id: 2 });
      store.applyMessageNew(m);
      const before = store.byKey[`m:2`];
      const keysBefore = keysOf(store);
      store.applyMessageNew({ ...m });
      expect(keysOf(store)).toEqual(keysBefore);
      expect(store.threadMessages(CONTACT)).toHaveLength(2);
      expect(store.byKey['m:2']).toEqual(before);
    });

    it('test_message_new_for_an_unopened_thread_does_not_fake_a_loaded_thread', () => {
      store.applyMessageNew(makeMessage({ id: 3, contact_id: 99 }));
      expect(store.threads[99]).toBeUndefined();
    });

    it('test_status_never_moves_backwards', async () => {
      const m = makeMessage({ id: 7, direction: 'out', status: 'sent', client_id: 'c-7' });
      await openThread(store, [m]);
      const frame = { message_id: 7, contact_id: CONTACT, client_id: 'c-7', status: 'read', at: '2026-11-25T10:05:00Z' };
      store.applyMessageStatus(frame);
      expect(store.byKey['c:c-7'].status).toBe('read');
      store.applyMessageStatus({ ...frame, status: 'delivered' });
      store.applyMessageStatus({ ...frame, status: 'sent' });
      store.applyMessageStatus({ ...frame, status: 'pending' });
      expect(store.byKey['c:c-7'].status).toBe('read');
      // a stale REST copy does not undo it either
      store.applyMessageUpdated({ ...m, status: 'sent' });
      expect(store.byKey['c:c-7'].status).toBe('read');
    });

    it('test_failed_only_from_pending_or_sent', async () => {
      const m = makeMessage({ id: 8, direction: 'out', status: 'delivered', client_id: 'c-8' });
      await openThread(store, [m]);
      store.applyMessageStatus({ message_id: 8, client_id: 'c-8', status: 'failed', failure_reason: 'x' });
      expect(store.byKey['c:c-8'].status).toBe('delivered');
    });

    it('test_status_before_its_message_is_kept_and_applied_later', async () => {
      await openThread(store, []);
      store.applyMessageStatus({ message_id: 40, contact_id: CONTACT, client_id: null, status: 'read' });
      store.applyMessageNew(makeMessage({ id: 40, direction: 'out', status: 'sent' }));
      expect(store.byKey['m:40'].status).toBe('read');
    });

    it('test_reaction_replaces_the_whole_list_idempotently', async () => {
      await openThread(store, [makeMessage({ id: 9 })]);
      const frame = { message_id: 9, contact_id: CONTACT, reactions: [{ emoji: '👍', from: 'customer', user_id: null }] };
      store.applyReaction(frame);
      store.applyReaction(frame);
      expect(store.byKey['m:9'].reactions).toEqual(frame.reactions);
    });

    it('test_revoke_keeps_the_original_and_is_never_undone_by_a_stale_copy', async () => {
      const m = makeMessage({ id: 11, body: 'secret' });
      await openThread(store, [m]);
      store.applyRevoked({ message_id: 11, contact_id: CONTACT, revoked_at: '2026-11-25T11:00:00Z' });
      expect(store.byKey['m:11']).toMatchObject({ revoked: true, body: 'secret' });
      store.applyMessageUpdated({ ...m, revoked: false });
      expect(store.byKey['m:11'].revoked).toBe(true);
    });

    it('test_media_ready_is_monotonic', async () => {
      const m = makeMessage({ id: 12, type: 'image', media: { id: 'x', url: '/api/v1/media/x/', ready: false } });
      await openThread(store, [m]);
      store.applyMessageUpdated({ ...m, media: { ...m.media, ready: true } });
      store.applyMessageUpdated({ ...m, media: { ...m.media, ready: false } });
      expect(store.byKey['m:12'].media.ready).toBe(true);
    });

    it('test_inbound_message_new_is_announced_once', async () => {
      await openThread(store, []);
      const m = makeMessage({ id: 13, direction: 'in' });
      store.applyMessageNew(m);
      const first = store.lastInbound;
      store.applyMessageNew(m);
      expect(store.lastInbound).toBe(first);
      expect(first.id).toBe(13);
    });
  });

  describe('optimistic send', () => {
    it('test_send_inserts_a_pending_bubble_before_the_post_answers', async () => {
      await openThread(store, [makeMessage({ id: 1 })]);
      const answer = deferred();
      api.sendMessage.mockReturnValueOnce(answer.promise);
      const key = store.send(CONTACT, { body: 'hi' });
      expect(store.byKey[key]).toMatchObject({ status: 'pending', body: 'hi', direction: 'out', id: null });
      expect(keysOf(store).at(-1)).toBe(key);
      const [, body] = api.sendMessage.mock.calls[0];
      expect(body).toEqual({ client_id: store.byKey[key].client_id, type: 'text', body: 'hi' });
      answer.resolve(makeMessage({ id: 50, direction: 'out', status: 'pending', body: 'hi', client_id: store.byKey[key].client_id }));
      await flush();
      expect(store.byKey[key]).toMatchObject({ id: 50, status: 'pending' });
      expect(store.threadMessages(CONTACT)).toHaveLength(2);
    });

    it('test_send_previews_the_message_in_the_chat_row_at_once', async () => {
      const chats = useChatsStore();
      chats.applyChatUpdated(makeChat({ id: CONTACT, last_message_at: '2026-11-25T09:00:00Z' }));
      chats.applyChatUpdated(makeChat({ id: 99, last_message_at: '2026-11-25T11:00:00Z' }));
      await openThread(store, []);
      api.sendMessage.mockRejectedValueOnce(new ApiError(0, 'network_error', 'offline'));
      const key = store.send(CONTACT, { body: 'on my way' });
      // before any answer: the row previews it with the clock, at the top
      expect(chats.orderedIds[0]).toBe(CONTACT);
      expect(chats.byId[CONTACT].last_message).toMatchObject({ client_id: store.byKey[key].client_id, body: 'on my way', status: 'pending' });
      await flush();
      // the POST failed: the row shows the red mark too, and Retry's clock
      expect(chats.byId[CONTACT].last_message.status).toBe('failed');
      api.sendMessage.mockReturnValueOnce(new Promise(() => {}));
      store.retry(key);
      expect(chats.byId[CONTACT].last_message.status).toBe('pending');
    });

    it('test_frames_before_the_post_answer_reconcile_by_client_id', async () => {
      await openThread(store, []);
      const answer = deferred();
      api.sendMessage.mockReturnValueOnce(answer.promise);
      const key = store.send(CONTACT, { body: 'fast' });
      const clientId = store.byKey[key].client_id;
      const server = makeMessage({ id: 60, direction: 'out', status: 'pending', body: 'fast', client_id: clientId, contact_id: CONTACT });
      // the socket is faster than the HTTP answer
      store.applyMessageNew(server);
      store.applyMessageStatus({ message_id: 60, contact_id: CONTACT, client_id: clientId, status: 'sent' });
      store.applyMessageStatus({ message_id: 60, contact_id: CONTACT, client_id: clientId, status: 'delivered' });
      answer.resolve({ ...server, status: 'pending' });
      await flush();
      expect(store.threadMessages(CONTACT)).toHaveLength(1);
      expect(store.byKey[key]).toMatchObject({ id: 60, status: 'delivered' });
    });

    it('test_status_frame_by_client_id_before_message_new', async () => {
      await openThread(store, []);
      api.sendMessage.mockReturnValueOnce(new Promise(() => {}));
      const key = store.send(CONTACT, { body: 'x' });
      const clientId = store.byKey[key].client_id;
      store.applyMessageStatus({ message_id: 61, contact_id: CONTACT, client_id: clientId, status: 'sent' });
      expect(store.byKey[key]).toMatchObject({ status: 'sent', id: 61 });
      store.applyMessageStatus({ message_id: 61, contact_id: CONTACT, client_id: null, status: 'read' });
      expect(store.byKey[key].status).toBe('read');
    });

    it('test_post_that_never_reached_the_server_fails_and_retry_reposts_the_same_client_id', async () => {
      await openThread(store, []);
      api.sendMessage.mockRejectedValueOnce(new ApiError(0, 'network_error', 'offline'));
      const key = store.send(CONTACT, { body: 'again' });
      await flush();
      expect(store.byKey[key].status).toBe('failed');
      const clientId = store.byKey[key].client_id;
      api.sendMessage.mockResolvedValueOnce(makeMessage({ id: 70, direction: 'out', status: 'pending', body: 'again', client_id: clientId }));
      const retrying = store.retry(key);
      expect(store.byKey[key].status).toBe('pending');
      await retrying;
      expect(api.retryMessage).not.toHaveBeenCalled();
      expect(api.sendMessage).toHaveBeenCalledTimes(2);
      expect(api.sendMessage.mock.calls[1][1].client_id).toBe(clientId);
      expect(store.byKey[key]).toMatchObject({ id: 70, status: 'pending' });
    });

    it('test_retry_of_a_stored_failed_message_uses_the_retry_endpoint', async () => {
      const m = makeMessage({ id: 80, direction: 'out', status: 'failed', client_id: 'c-80', failure_reason: 'bridge down' });
      await openThread(store, [m]);
      api.retryMessage.mockResolvedValueOnce({ ...m, status: 'pending', failure_reason: '' });
      await store.retry('c:c-80');
      expect(api.retryMessage).toHaveBeenCalledWith(80);
      expect(store.byKey['c:c-80'].status).toBe('pending');
      store.applyMessageStatus({ message_id: 80, client_id: 'c-80', status: 'sent' });
      expect(store.byKey['c:c-80'].status).toBe('sent');
    });

    it('test_a_retry_in_another_tab_lifts_failed_with_its_frames', async () => {
      const m = makeMessage({ id: 81, direction: 'out', status: 'sent', client_id: 'c-81' });
      await openThread(store, [m]);
      store.applyMessageStatus({ seq: 20, message_id: 81, client_id: 'c-81', status: 'failed', failure_reason: 'ACK_ERROR' });
      expect(store.byKey['c:c-81']).toMatchObject({ status: 'failed', failure_reason: 'ACK_ERROR' });
      // another agent pressed Retry: the server says pending, then sent
      store.applyMessageStatus({ seq: 21, message_id: 81, client_id: 'c-81', status: 'pending', failure_reason: '' });
      expect(store.byKey['c:c-81']).toMatchObject({ status: 'pending', failure_reason: '' });
      store.applyMessageStatus({ seq: 22, message_id: 81, client_id: 'c-81', status: 'sent', failure_reason: '' });
      expect(store.byKey['c:c-81'].status).toBe('sent');
    });

    it('test_the_post_answer_does_not_undo_a_failure_frame_that_overtook_it', async () => {
      await openThread(store, []);
      const answer = deferred();
      api.sendMessage.mockReturnValueOnce(answer.promise);
      const key = store.send(CONTACT, { body: 'x' });
      const clientId = store.byKey[key].client_id;
      store.applyMessageStatus({ message_id: 82, contact_id: CONTACT, client_id: clientId, status: 'failed', failure_reason: 'refused' });
      answer.resolve(makeMessage({ id: 82, direction: 'out', status: 'pending', body: 'x', client_id: clientId }));
      await flush();
      expect(store.byKey[key]).toMatchObject({ id: 82, status: 'failed', failure_reason: 'refused' });
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
