// stores/messages/send.js: the optimistic send, its reconciliation by client_id, Retry.
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
});
