// stores/messages/outbox.js: a message the server never got survives a reload, shown failed with
// what can still be done; one it did get is not shown twice.
import { describe, it, expect, beforeEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeMessage, flush } from '../../helpers.js';

vi.mock('../../../../src/api/index.js', () => ({
  api: { messages: vi.fn(), sendMessage: vi.fn(), retryMessage: vi.fn(), uploadMedia: vi.fn(), me: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));

const { api } = await import('../../../../src/api/index.js');
const { useMessagesStore } = await import('../../../../src/stores/messages/index.js');
const { useMeStore } = await import('../../../../src/stores/me.js');
const { ApiError } = await import('../../../../src/api/http.js');
const { createOutbox, outboxKey } = await import('../../../../src/stores/messages/outbox.js');

const CONTACT = 12;
const page = (results) => ({ next: null, previous: null, results });

/** A fresh app on the same localStorage: what a reload leaves. */
function reload() {
  setActivePinia(createPinia());
  useMeStore().user = { id: 3, name: 'Ana' };
  return useMessagesStore();
}

async function open(store, messages = []) {
  api.messages.mockResolvedValueOnce(page([...messages].reverse()));
  await store.loadThread(CONTACT);
}

describe('outbox', () => {
  let store;
  beforeEach(() => {
    vi.clearAllMocks();
    store = reload();
  });

  it('test_a_text_the_server_never_got_comes_back_failed_and_can_be_retried', async () => {
    await open(store, []);
    api.sendMessage.mockRejectedValueOnce(new ApiError(0, 'network_error', 'Network error: the server could not be reached.'));
    const key = store.send(CONTACT, { body: 'are you still there?' });
    await flush();
    const clientId = store.byKey[key].client_id;

    const after = reload();
    await open(after, [makeMessage({ id: 1 })]);
    expect(after.threads[CONTACT].keys).toEqual(['m:1', key]);
    expect(after.byKey[key]).toMatchObject({ status: 'failed', body: 'are you still there?', failure_reason: 'Network error: the server could not be reached.' });
    expect(after.recoveryOf(after.byKey[key])).toEqual({ retry: true, replace: false, remove: true });
    api.sendMessage.mockImplementationOnce(async (contactId, body) => makeMessage({ id: 2, direction: 'out', status: 'pending', body: body.body, client_id: body.client_id }));
    await after.retry(key);
    expect(api.sendMessage.mock.calls.at(-1)[1]).toEqual({ client_id: clientId, type: 'text', body: 'are you still there?' });
    expect(after.byKey[key]).toMatchObject({ id: 2, status: 'pending' });
    expect(localStorage.getItem(outboxKey(CONTACT))).toBe(null);
  });

  it('test_an_upload_cut_by_a_reload_comes_back_failed_offering_another_file', async () => {
    await open(store, []);
    api.uploadMedia.mockReturnValueOnce(new Promise(() => {})); // the page goes away mid-upload
    const file = new File(['%PDF'], 'invoice.pdf', { type: 'application/pdf' });
    store.sendMedia(CONTACT, file, { type: 'document', caption: 'the invoice' });
    await flush();

    const after = reload();
    await open(after, []);
    const [key] = after.threads[CONTACT].keys;
    expect(after.byKey[key]).toMatchObject({ status: 'failed', type: 'document', caption: 'the invoice', failure_reason: 'the page was closed or reloaded before it was sent.' });
    expect(after.byKey[key].media).toMatchObject({ id: null, filename: 'invoice.pdf', size: 4 });
    // the bytes are gone with the page: no Retry, but another file (or the same one again) or removal
    expect(after.recoveryOf(after.byKey[key])).toEqual({ retry: false, replace: true, remove: true });
    expect(after.discard(key)).toBe(true);
    const again = reload();
    await open(again, []);
    expect(again.threads[CONTACT].keys).toEqual([]);
  });

  it('test_a_message_the_server_did_get_shows_once_and_leaves_the_outbox', async () => {
    await open(store, []);
    api.sendMessage.mockReturnValueOnce(new Promise(() => {})); // stored, but the answer is lost
    const key = store.send(CONTACT, { body: 'on my way' });
    const clientId = store.byKey[key].client_id;

    const after = reload();
    await open(after, [makeMessage({ id: 9, direction: 'out', status: 'delivered', body: 'on my way', client_id: clientId })]);
    expect(after.threads[CONTACT].keys).toEqual([key]);
    expect(after.byKey[key]).toMatchObject({ id: 9, status: 'delivered' });
    expect(localStorage.getItem(outboxKey(CONTACT))).toBe(null);
  });

  it('test_another_agents_unsent_messages_stay_theirs', async () => {
    await open(store, []);
    api.sendMessage.mockRejectedValueOnce(new ApiError(0, 'network_error', 'offline'));
    store.send(CONTACT, { body: 'mine' });
    await flush();
    setActivePinia(createPinia());
    useMeStore().user = { id: 4, name: 'Budi' }; // someone else logs in on this browser
    const theirs = useMessagesStore();
    await open(theirs, []);
    expect(theirs.threads[CONTACT].keys).toEqual([]);
  });

  it('test_unreadable_storage_is_an_empty_outbox', () => {
    localStorage.setItem(outboxKey(CONTACT), '{not json');
    expect(createOutbox().entries(CONTACT)).toEqual([]);
  });
});
