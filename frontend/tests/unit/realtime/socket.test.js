// realtime/socket.js and the client frames, through the realtime module: reconnect, heartbeat,
// wake-up, refusals, subscribe and read.
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
    stores = { chats: useChatsStore(), messages: useMessagesStore(), sessions: useSessionsStore(), connection: useRealtimeStore() };
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

  it('test_reconnects_with_backoff_then_resumes_and_resubscribes', async () => {
    connect(10);
    rt.subscribe(12);
    expect(last().sent).toContainEqual({ type: C.SUBSCRIBE, contact_id: 12 });
    await flush();
    vi.clearAllMocks();
    last().drop();
    expect(stores.connection.status).toBe('reconnecting');
    expect(stores.connection.showBanner).toBe(true);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(499); // 500 ms * (0.75 + 0.5 * 0.5)
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(2);
    last().drop();
    vi.advanceTimersByTime(999); // doubled
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.instances).toHaveLength(3);
    last().open();
    expect(last().sent).toContainEqual({ type: C.SUBSCRIBE, contact_id: 12 });
    // What happened meanwhile comes from the server's event log, not from a refetch.
    expect(last().sent).toContainEqual({ type: C.RESUME, after_seq: 10 });
    last().receive({ type: E.HELLO, seq: 25 });
    await flush();
    expect(stores.connection.status).toBe('open');
    expect(stores.connection.showBanner).toBe(false);
    expect(api.chats).not.toHaveBeenCalled();
    expect(stores.connection.lastSeq).toBe(10);
  });

  it('test_a_silent_socket_is_dropped_after_missed_pings', () => {
    connect(10);
    vi.advanceTimersByTime(44_000);
    expect(stores.connection.status).toBe('open');
    vi.advanceTimersByTime(1_001);
    expect(stores.connection.status).toBe('reconnecting');
  });

  it('test_waking_up_after_sleep_refetches', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    env.document.visibilityState = 'hidden';
    env.document.fire('visibilitychange');
    clock += 60_000;
    env.document.visibilityState = 'visible';
    env.document.fire('visibilitychange');
    await flush();
    expect(api.chats).toHaveBeenCalledTimes(1);
    expect(stores.connection.lastRefetchReason).toBe('wake');
  });

  it('test_a_short_tab_switch_does_not_refetch', async () => {
    connect(10);
    await flush();
    vi.clearAllMocks();
    env.document.visibilityState = 'hidden';
    env.document.fire('visibilitychange');
    clock += 2_000;
    env.document.visibilityState = 'visible';
    env.document.fire('visibilitychange');
    await flush();
    expect(api.chats).not.toHaveBeenCalled();
  });

  it('test_refused_socket_sends_the_browser_to_login', () => {
    last().drop(4401);
    expect(redirectToLogin).toHaveBeenCalled();
    expect(stores.connection.status).toBe('closed');
  });

  it('test_read_goes_over_the_socket_or_falls_back_to_rest', async () => {
    stores.chats.applyChatUpdated(makeChat({ id: 12, unread_count: 4 }));
    await rt.sendRead(12); // socket not open yet
    expect(api.markRead).toHaveBeenCalledWith(12);
    connect(10);
    stores.chats.applyChatUpdated(makeChat({ id: 12, unread_count: 2 }));
    await rt.sendRead(12);
    expect(last().sent).toContainEqual({ type: C.READ, contact_id: 12 });
    expect(stores.chats.byId[12].unread_count).toBe(0);
    expect(api.markRead).toHaveBeenCalledTimes(1);
  });

  it('test_subscribe_switches_contacts', () => {
    connect(10);
    rt.subscribe(1);
    rt.subscribe(2);
    rt.subscribe(null);
    expect(last().sent).toEqual([
      { type: C.SUBSCRIBE, contact_id: 1 },
      { type: C.UNSUBSCRIBE, contact_id: 1 },
      { type: C.SUBSCRIBE, contact_id: 2 },
      { type: C.UNSUBSCRIBE, contact_id: 2 },
    ]);
  });
});
