// realtime/router.js, through the realtime module: frames to store actions, seq, refetches.
import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';
import { makeMessage, makeChat } from '../helpers.js';

// Timers are fake here: let promise chains settle without them.
const flush = async () => {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
};
import { SERVER_EVENTS as E, CLIENT_FRAMES as C } from '../../../src/realtime/events.js';

vi.mock('../../../src/api/index.js', () => ({
  api: {
    chats: vi.fn(async () => ({ next: null, results: [] })),
    messages: vi.fn(async () => ({ next: null, results: [] })),
    sessions: vi.fn(async () => ({ next: null, results: [] })),
    markRead: vi.fn(async () => null),
    sendMessage: vi.fn(),
  },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
vi.mock('../../../src/api/http.js', async (importOriginal) => ({ ...(await importOriginal()), redirectToLogin: vi.fn() }));

const { api } = await import('../../../src/api/index.js');
const { redirectToLogin } = await import('../../../src/api/http.js');
const { createRealtime } = await import('../../../src/realtime/index.js');
const { useChatsStore } = await import('../../../src/stores/chats.js');
const { useMessagesStore } = await import('../../../src/stores/messages/index.js');
const { useSessionsStore } = await import('../../../src/stores/sessions.js');
const { useRealtimeStore } = await import('../../../src/stores/connection.js');
const { useMutesStore } = await import('../../../src/stores/mutes.js');

class FakeSocket {
  static instances = [];
  constructor(url) {
    this.url = url;
    this.readyState = 0;
    this.sent = [];
    FakeSocket.instances.push(this);
  }
  send(data) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.readyState = 3;
  }
  // test side
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame) {
    this.onmessage?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.readyState = 3;
    this.onclose?.({ code });
  }
}

function fakeEnv() {
  const listeners = {};
  const docListeners = {};
  return {
    addEventListener: (t, f) => { listeners[t] = f; },
    removeEventListener: (t) => { delete listeners[t]; },
    fire: (t) => listeners[t]?.(),
    document: {
      visibilityState: 'visible',
      addEventListener: (t, f) => { docListeners[t] = f; },
      removeEventListener: (t) => { delete docListeners[t]; },
      fire: (t) => docListeners[t]?.(),
    },
  };
}

describe('realtime module', () => {
  let stores;
  let rt;
  let env;
  let clock;
  const last = () => FakeSocket.instances.at(-1);

  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
    vi.clearAllMocks();
    FakeSocket.instances = [];
    stores = { chats: useChatsStore(), messages: useMessagesStore(), sessions: useSessionsStore(), connection: useRealtimeStore(), mutes: useMutesStore() };
    env = fakeEnv();
    clock = 1_000_000;
    rt = createRealtime({ stores, url: 'ws://demo.localhost/ws/inbox/', WebSocketImpl: FakeSocket, env, random: () => 0.5, now: () => clock });
    rt.start();
  });
  afterEach(() => {
    rt.stop();
    vi.useRealTimers();
  });

  function connect(seq = 10) {
    last().open();
    last().receive({ type: E.HELLO, seq, user: { id: 1, name: 'Ana' } });
  }

  it('test_routes_each_event_type_to_its_store_action', async () => {
    connect();
    stores.chats.applyChatUpdated(makeChat({ id: 12, last_message_at: '2026-01-01T00:00:00Z' }));
    api.messages.mockResolvedValueOnce({ next: null, results: [] });
    await stores.messages.loadThread(12);
    const msg = makeMessage({ id: 5, contact_id: 12 });
    last().receive({ type: E.MESSAGE_NEW, seq: 11, message: msg });
    expect(stores.messages.byKey['m:5']).toBeTruthy();
    expect(stores.chats.byId[12].last_message.id).toBe(5);
    last().receive({ type: E.CHAT_UPDATED, seq: 12, chat: makeChat({ id: 12, unread_count: 3, last_message: msg, last_message_at: msg.timestamp }) });
    expect(stores.chats.byId[12].unread_count).toBe(3);
    last().receive({ type: E.TYPING, seq: 12, contact_id: 12, from: 'contact', user: null, state: 'typing', expires_in: 5 });
    expect(stores.chats.typing[12].state).toBe('typing');
    last().receive({ type: E.PRESENCE, seq: 12, contact_id: 12, online: true, last_seen: null });
    expect(stores.chats.presence[12].online).toBe(true);
    last().receive({ type: E.MESSAGE_REACTION, seq: 13, message_id: 5, contact_id: 12, reactions: [{ emoji: '👍', from: 'customer', user_id: null }] });
    expect(stores.messages.byKey['m:5'].reactions).toHaveLength(1);
    last().receive({ type: E.MESSAGE_REVOKED, seq: 14, message_id: 5, contact_id: 12, revoked_at: 'x' });
    expect(stores.messages.byKey['m:5'].revoked).toBe(true);
    last().receive({ type: E.SESSION_STATUS, seq: 15, session: { id: 's1', status: 'qr', qr: 'data:image/png;base64,AA', updated_at: '2026-11-25T10:00:00Z' } });
    expect(stores.sessions.byId.s1.status).toBe('qr');
    expect(stores.connection.lastSeq).toBe(15);
    last().receive({ type: E.CHAT_MUTED, seq: 15, contact_id: 12, user_id: 1, muted: true, muted_until: null });
    expect(stores.mutes.isMuted(12)).toBe(true); // another device of this agent muted it
    expect(stores.connection.lastSeq).toBe(15);
  });

  it('test_an_erased_or_merged_contact_leaves_the_chat_list', async () => {
    connect();
    stores.chats.applyChatUpdated(makeChat({ id: 21, last_message_at: '2026-01-01T00:00:00Z' }));
    stores.chats.applyChatUpdated(makeChat({ id: 22, last_message_at: '2026-01-01T00:00:00Z' }));
    last().receive({ type: E.CONTACT_ERASED, seq: 11, contact_id: 21 });
    last().receive({ type: E.CONTACT_MERGED, seq: 12, contact_id: 22, into_contact_id: 12 });
    expect(stores.chats.byId[21]).toBeUndefined();
    expect(stores.chats.byId[22]).toBeUndefined();
  });

  it('test_a_duplicate_frame_changes_nothing', async () => {
    connect(10);
    await flush();
    stores.chats.applyChatUpdated(makeChat({ id: 12, unread_count: 1 }));
    const frame = { type: E.CHAT_UPDATED, seq: 11, chat: makeChat({ id: 12, unread_count: 2 }) };
    last().receive(frame);
    stores.chats.clearUnread(12);
    last().receive(frame); // replayed: skipped by seq
    expect(stores.chats.byId[12].unread_count).toBe(0);
  });

  it('test_a_seq_gap_resumes_from_the_last_applied_seq_and_the_replay_fills_it_in_order', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    last().receive({ type: E.CHAT_UPDATED, seq: 11, chat: makeChat({ id: 1, unread_count: 1 }) });
    last().receive({ type: E.CHAT_UPDATED, seq: 14, chat: makeChat({ id: 2, unread_count: 4 }) });
    last().receive({ type: E.CHAT_UPDATED, seq: 16, chat: makeChat({ id: 3 }) }); // skipped: the replay brings it
    expect(last().sent.filter((f) => f.type === C.RESUME)).toEqual([{ type: C.RESUME, after_seq: 11 }]);
    expect(stores.chats.byId[2]).toBeUndefined();
    for (const seq of [12, 13, 14]) {
      last().receive({ type: E.CHAT_UPDATED, seq, chat: makeChat({ id: seq === 14 ? 2 : 1, unread_count: seq }) });
    }
    expect(stores.chats.byId[2].unread_count).toBe(14);
    expect(stores.connection.lastSeq).toBe(14);
    expect(api.chats).not.toHaveBeenCalled();
  });

  it('test_resync_required_refetches_and_follows_from_its_seq', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    last().receive({ type: E.RESYNC_REQUIRED, seq: 40, reason: 'older_than_log' });
    await flush();
    expect(api.chats).toHaveBeenCalledTimes(1);
    expect(stores.connection.lastRefetchReason).toBe('resync_required');
    last().receive({ type: E.CHAT_UPDATED, seq: 41, chat: makeChat({ id: 7 }) });
    expect(stores.chats.byId[7]).toBeTruthy();
  });

  it('test_typing_and_presence_carry_the_current_seq_and_are_never_dropped', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    last().receive({ type: E.PRESENCE, seq: 10, contact_id: 12, online: true, last_seen: null });
    last().receive({ type: E.TYPING, seq: 10, contact_id: 12, from: 'contact', user: null, state: 'typing', expires_in: 6 });
    expect(stores.chats.presence[12].online).toBe(true);
    expect(stores.chats.typing[12].state).toBe('typing');
    last().receive({ type: E.CHAT_UPDATED, seq: 11, chat: makeChat({ id: 12 }) });
    last().receive({ type: E.TYPING, seq: 11, contact_id: 12, from: 'contact', user: null, state: 'paused', expires_in: 6 });
    expect(stores.chats.typing[12]).toBeUndefined();
    vi.advanceTimersByTime(500);
    await flush();
    expect(api.chats).not.toHaveBeenCalled(); // no gap anywhere
    expect(stores.connection.lastSeq).toBe(11);
  });

  it('test_a_ping_still_ahead_of_our_seq_a_moment_later_resumes', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    last().receive({ type: E.PING, seq: 12 });
    last().receive({ type: E.CHAT_UPDATED, seq: 11, chat: makeChat({ id: 1 }) });
    vi.advanceTimersByTime(250);
    await flush();
    expect(last().sent).toContainEqual({ type: C.RESUME, after_seq: 11 });
    expect(api.chats).not.toHaveBeenCalled();
  });

  it('test_refetches_are_coalesced', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    rt.refetch('gap');
    rt.refetch('gap');
    rt.refetch('gap');
    await flush();
    await flush();
    expect(api.chats).toHaveBeenCalledTimes(2); // one running + one more for the asks meanwhile
  });
});
