// stores/messages/around.js: a thread opened at a message (a search hit), paged both ways.
import { describe, it, expect, beforeEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeMessage } from '../../helpers.js';

vi.mock('../../../../src/api/index.js', () => ({
  api: { messages: vi.fn(), messagesAround: vi.fn(), me: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, previous: null, results: a } : a),
}));

const { api } = await import('../../../../src/api/index.js');
const { useMessagesStore } = await import('../../../../src/stores/messages/index.js');

const CONTACT = 12;
const at = (n) => makeMessage({ id: n, contact_id: CONTACT, body: `m${n}`, timestamp: new Date(Date.UTC(2026, 10, 25, 10, n)).toISOString() });
const ids = (store) => store.threadMessages(CONTACT).map((m) => m.id);

describe('messages store: around a message', () => {
  let store;
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    store = useMessagesStore();
  });

  it('test_load_around_replaces_the_thread_with_the_window_and_keeps_both_cursors', async () => {
    api.messages.mockResolvedValueOnce({ next: 'http://x/older-than-50', previous: null, results: [at(51), at(50)] });
    await store.loadThread(CONTACT);
    api.messagesAround.mockResolvedValueOnce({ next: 'http://x/older', previous: 'http://x/newer', results: [at(11), at(10), at(9)] });

    const key = await store.loadAround(CONTACT, 10);

    expect(api.messagesAround).toHaveBeenCalledWith(CONTACT, 10, { pageSize: 50 });
    expect(key).toBe(store.keyFor({ message_id: 10 }));
    expect(ids(store)).toEqual([9, 10, 11]); // no hole between the window and the newest page
    expect(store.threads[CONTACT].next).toBe('http://x/older');
    expect(store.threads[CONTACT].newer).toBe('http://x/newer');
  });

  it('test_load_around_a_message_already_in_the_thread_fetches_nothing', async () => {
    api.messages.mockResolvedValueOnce({ next: null, previous: null, results: [at(2), at(1)] });
    await store.loadThread(CONTACT);

    const key = await store.loadAround(CONTACT, 1);

    expect(key).toBe(store.keyFor({ message_id: 1 }));
    expect(api.messagesAround).not.toHaveBeenCalled();
  });

  it('test_load_newer_appends_pages_until_the_newest', async () => {
    api.messagesAround.mockResolvedValueOnce({ next: null, previous: 'http://x/newer', results: [at(2), at(1)] });
    await store.loadAround(CONTACT, 1);
    api.messages.mockResolvedValueOnce({ next: 'http://x/ignored', previous: null, results: [at(4), at(3)] });

    expect(await store.loadNewer(CONTACT)).toBe(true);

    expect(api.messages).toHaveBeenCalledWith(CONTACT, { cursor: 'http://x/newer' });
    expect(ids(store)).toEqual([1, 2, 3, 4]);
    expect(store.threads[CONTACT].newer).toBe(null);
    expect(await store.loadNewer(CONTACT)).toBe(false); // at the newest: nothing more
  });

  it('test_a_thread_opened_around_a_message_does_not_load_the_newest_page_over_it', async () => {
    api.messagesAround.mockResolvedValueOnce({ next: null, previous: 'http://x/newer', results: [at(1)] });
    await store.loadAround(CONTACT, 1);
    await store.loadThread(CONTACT);
    expect(api.messages).not.toHaveBeenCalled();
    expect(ids(store)).toEqual([1]);
  });
});
