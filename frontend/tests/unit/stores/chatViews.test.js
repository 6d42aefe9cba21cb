import { describe, it, expect, beforeEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeChat } from '../helpers.js';

vi.mock('../../../src/api/index.js', () => ({
  api: { chats: vi.fn(), chatCounts: vi.fn(), updateChat: vi.fn(), me: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { useChatsStore } = await import('../../../src/stores/chats.js');
const { useMeStore } = await import('../../../src/stores/me.js');

const ANA = { id: 1, name: 'Ana', email: 'ana@x.test' };
const BUDI = { id: 2, name: 'Budi', email: 'budi@x.test' };

describe('chat list views', () => {
  let chats;
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    useMeStore().user = BUDI;
    chats = useChatsStore();
    api.chats.mockResolvedValue([]);
    api.chatCounts.mockResolvedValue({ assignee: { mine: 1, unassigned: 0, all: 1 }, status: { open: 1 } });
  });

  it('test_a_chat_assigned_to_me_joins_mine_at_once_and_leaves_when_resolved', async () => {
    await chats.setFilters({ assignee: 'mine', status: 'open' });
    expect(api.chats).toHaveBeenLastCalledWith({ filters: { assignee: 'me', status: 'open', label: '', session_id: '' } });
    chats.applyChatUpdated(makeChat({ id: 5, assignee: ANA, status: 'open' }));
    expect(chats.orderedIds).toEqual([]);
    chats.applyChatUpdated(makeChat({ id: 5, assignee: BUDI, status: 'open' }));
    expect(chats.orderedIds).toEqual([5]);
    chats.applyChatUpdated(makeChat({ id: 5, assignee: BUDI, status: 'resolved' }));
    expect(chats.orderedIds).toEqual([]);
  });

  it('test_unassigned_and_label_views_filter_rows', async () => {
    await chats.setFilters({ assignee: 'none', status: '', label: '7' });
    chats.applyChatUpdated(makeChat({ id: 1, assignee: null, labels: [{ id: 7, name: 'vip', color: '#e11d48' }] }));
    chats.applyChatUpdated(makeChat({ id: 2, assignee: null, labels: [] }));
    chats.applyChatUpdated(makeChat({ id: 3, assignee: ANA, labels: [{ id: 7, name: 'vip', color: '#e11d48' }] }));
    expect(chats.orderedIds).toEqual([1]);
  });

  it('test_chat_hidden_drops_the_row', () => {
    chats.applyChatUpdated(makeChat({ id: 4 }));
    chats.applyHidden({ contact_id: 4 });
    expect(chats.byId[4]).toBeUndefined();
  });

  it('test_update_chat_patches_and_takes_the_answer', async () => {
    chats.applyChatUpdated(makeChat({ id: 6, status: 'open' }));
    api.updateChat.mockResolvedValue(makeChat({ id: 6, status: 'resolved' }));
    await chats.updateChat(6, { status: 'resolved' });
    expect(api.updateChat).toHaveBeenCalledWith(6, { status: 'resolved' });
    expect(chats.byId[6].status).toBe('resolved');
  });
});
