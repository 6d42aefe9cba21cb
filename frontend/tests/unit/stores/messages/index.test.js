// stores/messages/index.js: frames applied to messages (idempotent, forward-only statuses).
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

    it('test_history_message_is_shown_but_not_announced', async () => {
      await openThread(store, []);
      store.applyMessageNew(makeMessage({ id: 14, direction: 'in', history: true }));
      expect(store.byKey['m:14']).toBeTruthy();
      expect(store.lastInbound).toBe(null);
    });
  });
});
