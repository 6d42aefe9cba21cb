import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeChat, makeMessage } from '../helpers.js';

vi.mock('../../../src/api/index.js', () => ({
  api: { chats: vi.fn(), searchMessages: vi.fn(), createContact: vi.fn(), markRead: vi.fn(), contact: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { useChatsStore } = await import('../../../src/stores/chats.js');

describe('chats store', () => {
  let chats;
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    chats = useChatsStore();
  });
  afterEach(() => vi.useRealTimers());

  it('test_orders_by_last_activity_and_reorders_live', () => {
    chats.applyChatUpdated(makeChat({ id: 1, last_message_at: '2026-11-25T10:00:00Z' }));
    chats.applyChatUpdated(makeChat({ id: 2, last_message_at: '2026-11-25T11:00:00Z' }));
    expect(chats.orderedIds).toEqual([2, 1]);
    const m = makeMessage({ id: 9, contact_id: 1, timestamp: '2026-11-25T12:00:00Z' });
    chats.applyMessage(m);
    expect(chats.orderedIds).toEqual([1, 2]);
    expect(chats.byId[1].last_message.id).toBe(9);
  });

  it('test_same_second_ties_go_to_the_later_message', () => {
    // WhatsApp times are whole seconds: the chat whose message arrived last (higher id) is first.
    const at = '2026-11-25T10:00:00Z';
    const m1 = makeMessage({ id: 101, contact_id: 2, timestamp: at });
    const m2 = makeMessage({ id: 102, contact_id: 3, timestamp: at });
    chats.applyChatUpdated(makeChat({ id: 2, last_message: m1, last_message_at: at }));
    chats.applyChatUpdated(makeChat({ id: 3, last_message: m2, last_message_at: at }));
    expect(chats.orderedIds).toEqual([3, 2]);
    const m3 = makeMessage({ id: 103, contact_id: 2, timestamp: at, body: 'Are you there?' });
    chats.applyMessage(m3);
    expect(chats.orderedIds).toEqual([2, 3]);
    expect(chats.byId[2].last_message.id).toBe(103);
    // a stale copy of the row (a refetch that started before m3) keeps m3
    chats.applyChatUpdated(makeChat({ id: 2, last_message: m1, last_message_at: at, unread_count: 1 }));
    expect(chats.byId[2].last_message.id).toBe(103);
    expect(chats.orderedIds).toEqual([2, 3]);
    // an older message of the same second (edited, say) does not become the preview
    chats.applyMessage({ ...m1, edited: true });
    expect(chats.byId[2].last_message.id).toBe(103);
  });

  it('test_a_stale_chat_row_keeps_the_newer_last_message', () => {
    const newer = makeMessage({ id: 20, contact_id: 1, timestamp: '2026-11-25T12:00:00Z' });
    chats.applyChatUpdated(makeChat({ id: 1, last_message: newer, last_message_at: newer.timestamp, unread_count: 2 }));
    const older = makeMessage({ id: 19, contact_id: 1, timestamp: '2026-11-25T11:00:00Z' });
    chats.applyChatUpdated(makeChat({ id: 1, last_message: older, last_message_at: older.timestamp, unread_count: 1 }));
    expect(chats.byId[1].last_message.id).toBe(20);
  });

  it('test_duplicate_chat_updated_is_a_no_op', () => {
    const row = makeChat({ id: 3, unread_count: 2 });
    chats.applyChatUpdated(row);
    const before = { ...chats.byId[3] };
    chats.applyChatUpdated({ ...row });
    expect(chats.byId[3]).toEqual(before);
  });

  it('test_preview_tick_never_moves_backwards', () => {
    const m = makeMessage({ id: 30, contact_id: 4, direction: 'out', status: 'sent', client_id: 'c30' });
    chats.applyChatUpdated(makeChat({ id: 4, last_message: m, last_message_at: m.timestamp }));
    chats.applyMessageStatus({ message_id: 30, contact_id: 4, client_id: 'c30', status: 'read' });
    chats.applyMessageStatus({ message_id: 30, contact_id: 4, client_id: 'c30', status: 'delivered' });
    expect(chats.byId[4].last_message.status).toBe('read');
    chats.applyChatUpdated(makeChat({ id: 4, last_message: { ...m, status: 'delivered' }, last_message_at: m.timestamp }));
    expect(chats.byId[4].last_message.status).toBe('read');
  });

  it('test_typing_shows_then_clears_on_paused_or_expiry', () => {
    vi.useFakeTimers();
    chats.applyTyping({ contact_id: 5, from: 'contact', user: null, state: 'typing', expires_in: 5 });
    expect(chats.typing[5]).toMatchObject({ state: 'typing', from: 'contact' });
    chats.applyTyping({ contact_id: 5, from: 'contact', state: 'paused' });
    expect(chats.typing[5]).toBeUndefined();
    chats.applyTyping({ contact_id: 5, from: 'contact', state: 'typing', expires_in: 5 });
    vi.advanceTimersByTime(4999);
    expect(chats.typing[5]).toBeTruthy();
    vi.advanceTimersByTime(1);
    expect(chats.typing[5]).toBeUndefined();
  });

  it('test_the_customers_message_ends_their_typing', () => {
    chats.applyTyping({ contact_id: 6, from: 'contact', state: 'typing', expires_in: 5 });
    chats.clearTypingOnMessage(makeMessage({ contact_id: 6, direction: 'in' }));
    expect(chats.typing[6]).toBeUndefined();
  });

  it('test_presence_is_idempotent', () => {
    chats.applyPresence({ contact_id: 7, online: true, last_seen: null });
    const first = chats.presence[7];
    chats.applyPresence({ contact_id: 7, online: true, last_seen: null });
    expect(chats.presence[7]).toBe(first);
    chats.applyPresence({ contact_id: 7, online: false, last_seen: '2026-11-25T10:00:00Z' });
    expect(chats.presence[7]).toEqual({ online: false, last_seen: '2026-11-25T10:00:00Z' });
  });

  it('test_search_asks_chats_and_messages_and_the_latest_query_wins', async () => {
    let resolveFirst;
    api.chats.mockImplementationOnce(() => new Promise((r) => { resolveFirst = r; }));
    api.searchMessages.mockResolvedValueOnce({ next: null, results: [makeMessage({ id: 1 })] });
    const first = chats.runSearch('bu');
    api.chats.mockResolvedValueOnce({ next: null, results: [makeChat({ id: 8, display_name: 'Budi' })] });
    api.searchMessages.mockResolvedValueOnce({ next: null, results: [] });
    await chats.runSearch('budi');
    resolveFirst({ next: null, results: [makeChat({ id: 9 })] });
    await first;
    expect(api.chats).toHaveBeenLastCalledWith({ q: 'budi' });
    expect(api.searchMessages).toHaveBeenLastCalledWith({ q: 'budi' });
    expect(chats.search.chats).toEqual([8]);
  });

  it('test_new_chat_by_phone_upserts_the_contact', async () => {
    api.createContact.mockResolvedValueOnce(makeChat({ id: 40, phone: '+628123', last_message: null, last_message_at: null }));
    const chat = await chats.createChat({ phone: '+628123' });
    expect(chat.id).toBe(40);
    expect(chats.orderedIds).toContain(40);
  });

  it('test_fetch_merges_pages', async () => {
    api.chats.mockResolvedValueOnce({ next: 'http://x/?cursor=2', results: [makeChat({ id: 1 })] });
    await chats.fetchChats();
    api.chats.mockResolvedValueOnce({ next: null, results: [makeChat({ id: 2, last_message_at: '2026-11-24T10:00:00Z' })] });
    await chats.loadMore();
    expect(chats.orderedIds).toEqual([1, 2]);
    expect(chats.next).toBe(null);
  });

  describe('freshness of refetched rows', () => {
    function slowChats() {
      let resolve;
      api.chats.mockImplementationOnce(() => new Promise((r) => { resolve = r; }));
      return (rows) => resolve({ next: null, results: rows });
    }

    it('test_a_refetch_asked_before_chat_updated_keeps_its_unread_count', async () => {
      const m = makeMessage({ id: 50, contact_id: 1, timestamp: '2026-11-25T12:00:00Z' });
      const row = makeChat({ id: 1, last_message: m, last_message_at: m.timestamp, unread_count: 1 });
      chats.applyChatUpdated(row);
      const answer = slowChats();
      const refreshing = chats.refresh();
      chats.applyChatUpdated({ ...row, unread_count: 3, assignee: { id: 7, name: 'Ana' } });
      answer([row]); // read before the frame
      await refreshing;
      expect(chats.byId[1]).toMatchObject({ unread_count: 3, assignee: { id: 7, name: 'Ana' } });
    });

    it('test_a_refetch_asked_before_a_read_does_not_bring_the_badge_back', async () => {
      chats.applyChatUpdated(makeChat({ id: 2, unread_count: 2 }));
      const answer = slowChats();
      const refreshing = chats.refresh();
      chats.clearUnread(2);
      answer([makeChat({ id: 2, unread_count: 2, display_name: 'Renamed' })]);
      await refreshing;
      expect(chats.byId[2]).toMatchObject({ unread_count: 0, display_name: 'Renamed' });
    });

    it('test_a_refetch_asked_before_a_message_frame_keeps_the_preview_but_takes_the_rest', async () => {
      const old = makeMessage({ id: 60, contact_id: 3, timestamp: '2026-11-25T10:00:00Z' });
      chats.applyChatUpdated(makeChat({ id: 3, last_message: old, last_message_at: old.timestamp, unread_count: 1 }));
      const answer = slowChats();
      const refreshing = chats.refresh();
      chats.applyMessageStatus({ message_id: 60, contact_id: 3, client_id: null, status: 'read' });
      answer([makeChat({ id: 3, last_message: { ...old, status: 'delivered' }, last_message_at: old.timestamp, unread_count: 4 })]);
      await refreshing;
      expect(chats.byId[3].last_message.status).toBe('read');
      expect(chats.byId[3].unread_count).toBe(4); // no frame changed the badge since it was asked for
    });

    it('test_a_refetched_row_with_a_newer_message_than_ours_wins', async () => {
      const old = makeMessage({ id: 70, contact_id: 4, timestamp: '2026-11-25T10:00:00Z' });
      chats.applyChatUpdated(makeChat({ id: 4, last_message: old, last_message_at: old.timestamp, unread_count: 0 }));
      const answer = slowChats();
      const refreshing = chats.refresh();
      chats.applyChatUpdated(makeChat({ id: 4, last_message: old, last_message_at: old.timestamp, unread_count: 1 }));
      const newer = makeMessage({ id: 71, contact_id: 4, timestamp: '2026-11-25T10:05:00Z' });
      answer([makeChat({ id: 4, last_message: newer, last_message_at: newer.timestamp, unread_count: 2 })]);
      await refreshing;
      expect(chats.byId[4]).toMatchObject({ unread_count: 2, last_message: { id: 71 } });
    });
  });

  describe('retry elsewhere and own sends', () => {
    it('test_a_retry_elsewhere_lifts_the_previews_red_mark', async () => {
      const failed = makeMessage({ id: 80, contact_id: 5, direction: 'out', status: 'failed', client_id: 'c80' });
      chats.applyChatUpdated(makeChat({ id: 5, last_message: failed, last_message_at: failed.timestamp }));
      chats.applyMessageStatus({ message_id: 80, contact_id: 5, client_id: 'c80', status: 'pending' });
      expect(chats.byId[5].last_message.status).toBe('pending');
      chats.applyMessageStatus({ message_id: 80, contact_id: 5, client_id: 'c80', status: 'failed' });
      // and a refetch after the retry says so too
      api.chats.mockResolvedValueOnce({ next: null, results: [makeChat({ id: 5, last_message: { ...failed, status: 'sent' }, last_message_at: failed.timestamp })] });
      await chats.refresh();
      expect(chats.byId[5].last_message.status).toBe('sent');
    });

    it('test_own_send_previews_with_the_clock_and_goes_to_the_top', () => {
      chats.applyChatUpdated(makeChat({ id: 6, last_message_at: '2026-11-25T09:00:00Z' }));
      chats.applyChatUpdated(makeChat({ id: 7, last_message_at: '2026-11-25T11:00:00Z' }));
      expect(chats.orderedIds).toEqual([7, 6]);
      const now = new Date().toISOString();
      const mine = { id: null, client_id: 'c-own', contact_id: 6, direction: 'out', type: 'text', body: 'on my way', status: 'pending', timestamp: now, created_at: now };
      chats.applyOwnSend(mine);
      expect(chats.orderedIds[0]).toBe(6);
      expect(chats.byId[6].last_message).toMatchObject({ body: 'on my way', status: 'pending' });
      // the echo: the server's copy (and its time) replace ours, the tick follows
      const echo = { ...mine, id: 90, status: 'sent', timestamp: '2026-11-25T12:00:00Z' };
      chats.applyMessage(echo);
      expect(chats.byId[6].last_message).toMatchObject({ id: 90, status: 'sent' });
      expect(chats.byId[6].last_message_at).toBe('2026-11-25T12:00:00Z');
      // a customer's reply a second later (server time) is the newer preview
      chats.applyMessage(makeMessage({ id: 91, contact_id: 6, timestamp: '2026-11-25T12:00:01Z', body: 'ok' }));
      expect(chats.byId[6].last_message.id).toBe(91);
    });
  });
});
