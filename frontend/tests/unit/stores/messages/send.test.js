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
const { useMeStore } = await import('../../../../src/stores/me.js');
const { outboxKey } = await import('../../../../src/stores/messages/outbox.js');

const MB = 1024 * 1024;
/** A file of `size` bytes (jsdom would hold the bytes; only the size matters here). */
function fileOf(name, type, size = 3) {
  const file = new File(['abc'], name, { type });
  Object.defineProperty(file, 'size', { value: size });
  return file;
}
const uploaded = (id, name = 'photo.png') => ({ id, url: `/api/v1/media/${id}/`, mimetype: 'image/png', filename: name, size: 3, ready: true });
const stored = (body, id = 700) => makeMessage({ id, direction: 'out', status: 'pending', type: 'image', client_id: body.client_id, media: uploaded(body.media_id) });

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

  describe('uploads', () => {
    it('test_a_file_over_the_limit_is_refused_before_a_byte_uploads', async () => {
      await openThread(store, []);
      const key = await store.sendMedia(CONTACT, fileOf('film.mov', 'video/quicktime', 70 * MB), { type: 'video' });
      expect(api.uploadMedia).not.toHaveBeenCalled();
      expect(api.sendMessage).not.toHaveBeenCalled();
      expect(store.byKey[key]).toMatchObject({ status: 'failed', failure_reason: 'film.mov is 70 MB: files up to 64 MB can be sent.' });
      expect(store.byKey[key]._local.progress).toBe(null); // no endless progress
      expect(store.recoveryOf(store.byKey[key])).toEqual({ retry: false, replace: true, remove: true });
    });

    it('test_the_servers_limit_from_me_is_the_one_checked', async () => {
      useMeStore().limits = { media_max_upload_bytes: 2 * MB };
      await openThread(store, []);
      const key = await store.sendMedia(CONTACT, fileOf('scan.pdf', 'application/pdf', 3 * MB), { type: 'document' });
      expect(api.uploadMedia).not.toHaveBeenCalled();
      expect(store.byKey[key].failure_reason).toBe('scan.pdf is 3 MB: files up to 2 MB can be sent.');
    });

    it('test_a_refused_upload_offers_another_file_and_removal_not_a_retry_that_cannot_work', async () => {
      await openThread(store, []);
      api.uploadMedia.mockRejectedValueOnce(new ApiError(415, 'unsupported_media_type', 'Files of type application/x-msdownload cannot be sent.'));
      const key = await store.sendMedia(CONTACT, fileOf('setup.exe', 'application/x-msdownload'), { type: 'document', caption: 'the installer' });
      expect(store.byKey[key]).toMatchObject({ status: 'failed', failure_reason: 'Files of type application/x-msdownload cannot be sent.' });
      expect(store.recoveryOf(store.byKey[key])).toEqual({ retry: false, replace: true, remove: true });
      await store.retry(key); // a Retry is not offered, and does nothing if asked
      expect(api.uploadMedia).toHaveBeenCalledTimes(1);
      // another file: the same bubble (caption, client_id) uploads it and is sent
      const clientId = store.byKey[key].client_id;
      api.uploadMedia.mockResolvedValueOnce(uploaded('m2', 'photo.png'));
      api.sendMessage.mockImplementationOnce(async (contactId, body) => stored(body));
      await store.replaceFile(key, fileOf('photo.png', 'image/png'), { previewUrl: null });
      expect(api.sendMessage.mock.calls[0][1]).toEqual({ client_id: clientId, type: 'image', caption: 'the installer', media_id: 'm2' });
      expect(store.byKey[key]).toMatchObject({ id: 700, status: 'pending', type: 'image', failure_reason: '' });
      expect(store.recoveryOf(store.byKey[key])).toBe(null);
    });

    it('test_an_upload_cut_by_the_network_can_be_retried', async () => {
      await openThread(store, []);
      api.uploadMedia.mockRejectedValueOnce(new ApiError(0, 'network_error', 'Network error during upload.'));
      const key = await store.sendMedia(CONTACT, fileOf('photo.png', 'image/png'), { type: 'image' });
      expect(store.byKey[key].failure_reason).toBe('Network error during upload.');
      expect(store.recoveryOf(store.byKey[key])).toEqual({ retry: true, replace: true, remove: true });
      api.uploadMedia.mockResolvedValueOnce(uploaded('m3'));
      api.sendMessage.mockImplementationOnce(async (contactId, body) => stored(body, 701));
      await store.retry(key);
      expect(store.byKey[key]).toMatchObject({ id: 701, status: 'pending' });
    });

    it('test_remove_takes_a_message_the_server_never_got_out_of_the_thread_the_row_and_the_outbox', async () => {
      const chats = useChatsStore();
      const before = makeMessage({ id: 5, contact_id: CONTACT, body: 'the question' });
      chats.applyChatUpdated(makeChat({ id: CONTACT, last_message: before, last_message_at: before.timestamp }));
      await openThread(store, [before]);
      api.uploadMedia.mockRejectedValueOnce(new ApiError(413, 'payload_too_large', 'Files are limited to 64 MB.'));
      const key = await store.sendMedia(CONTACT, fileOf('photo.png', 'image/png'), { type: 'image' });
      expect(localStorage.getItem(outboxKey(CONTACT))).toContain(store.byKey[key].client_id);
      expect(chats.byId[CONTACT].last_message.client_id).toBe(store.byKey[key].client_id);
      expect(store.discard(key)).toBe(true);
      expect(store.byKey[key]).toBeUndefined();
      expect(keysOf(store)).toEqual(['m:5']);
      expect(localStorage.getItem(outboxKey(CONTACT))).toBe(null);
      expect(chats.byId[CONTACT].last_message.id).toBe(5);
    });

    it('test_a_stored_message_cannot_be_removed', async () => {
      const m = makeMessage({ id: 90, direction: 'out', status: 'failed', client_id: 'c-90', failure_reason: 'bridge down' });
      await openThread(store, [m]);
      expect(store.recoveryOf(store.byKey['c:c-90'])).toEqual({ retry: true, replace: false, remove: false });
      expect(store.discard('c:c-90')).toBe(false);
      expect(keysOf(store)).toEqual(['c:c-90']);
    });
  });
});
