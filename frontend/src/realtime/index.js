// The realtime module: the one way the SPA talks to the inbox WebSocket. socket.js owns the
// socket (connect, heartbeat, reconnect, wake-up), router.js routes each server frame to store
// actions and refetches over REST after a gap, a reconnect or a wake-up. Components never see
// either: they call subscribe / sendTyping / sendRead through useRealtime().
import { inject } from 'vue';
import { CLIENT_FRAMES as C, INBOX_SOCKET_PATH } from './events.js';
import { createSocket, HEARTBEAT_TIMEOUT_MS } from './socket.js';
import { createRouter } from './router.js';

export const REALTIME_KEY = Symbol('realtime');

export function inboxSocketUrl(location = globalThis.location) {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${INBOX_SOCKET_PATH}`;
}

/**
 * @param {object} deps
 * @param {{chats, messages, sessions, connection}} deps.stores
 * @param {string} [deps.url]
 * @param {typeof WebSocket} [deps.WebSocketImpl]
 * @param {object} [deps.env] window-ish: addEventListener, document (for tests)
 * @param {() => number} [deps.random]
 * @param {() => number} [deps.now]
 * @param {number} [deps.heartbeatTimeoutMs]
 */
export function createRealtime({
  stores,
  url = inboxSocketUrl(),
  WebSocketImpl = globalThis.WebSocket,
  env = typeof window === 'undefined' ? null : window,
  random = Math.random,
  now = () => Date.now(),
  heartbeatTimeoutMs = HEARTBEAT_TIMEOUT_MS,
} = {}) {
  const { chats, connection } = stores;
  // `socket` is made below; the router only sends once frames arrive.
  const router = createRouter({ stores, send: (frame) => socket.send(frame) });
  let subscribedContact = null;

  const socket = createSocket({
    url,
    connection,
    WebSocketImpl,
    env,
    random,
    now,
    heartbeatTimeoutMs,
    onFrame: router.handleFrame,
    onOpen({ reconnected }) {
      // The server forgets subscriptions with the socket: the open chat's is sent on every open.
      if (subscribedContact != null) socket.send({ type: C.SUBSCRIBE, contact_id: subscribedContact });
      router.opened({ reconnected });
    },
    onWake: () => router.refetch('wake'),
  });

  function stop() {
    router.stop();
    socket.stop();
  }

  /** Follow one contact (typing and presence are only sent to its subscribers). */
  function subscribe(contactId) {
    const id = contactId == null ? null : Number(contactId);
    if (id === subscribedContact) return;
    if (subscribedContact != null) socket.send({ type: C.UNSUBSCRIBE, contact_id: subscribedContact });
    subscribedContact = id;
    if (id != null) socket.send({ type: C.SUBSCRIBE, contact_id: id });
  }

  function sendTyping(contactId, state) {
    return socket.send({ type: C.TYPING, contact_id: Number(contactId), state });
  }

  /** Read receipt for a chat: over the socket when it is up, else over REST. */
  function sendRead(contactId) {
    chats.clearUnread(contactId);
    if (socket.send({ type: C.READ, contact_id: Number(contactId) })) return Promise.resolve();
    return chats.markRead(contactId).catch(() => {});
  }

  return {
    start: socket.start,
    stop,
    subscribe,
    sendTyping,
    sendRead,
    refetch: router.refetch,
    handleFrame: router.handleFrame,
    reconnectNow: socket.reconnectNow,
    /** For tests: drop the socket as a dead network would. */
    _dropSocket: socket.drop,
    get socket() {
      return socket.current;
    },
  };
}

/** The realtime module, from a component or composable. */
export function useRealtime() {
  const realtime = inject(REALTIME_KEY, null);
  if (!realtime) throw new Error('useRealtime() needs the realtime module provided by main.js');
  return realtime;
}
