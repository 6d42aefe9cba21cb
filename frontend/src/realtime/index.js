// The one owner of the inbox WebSocket. It connects (and reconnects with backoff), routes each
// server frame to a store action, tracks `seq`, and refetches over REST (the source of truth)
// after a gap, a reconnect, or a wake-up from sleep. Components never see the socket: they call
// subscribe / sendTyping / sendRead through useRealtime().
import { inject } from 'vue';
import { SERVER_EVENTS as E, CLIENT_FRAMES as C, INBOX_SOCKET_PATH } from './events.js';
import { redirectToLogin } from '../api/http.js';

export const REALTIME_KEY = Symbol('realtime');

/**
 * Frames that carry the workspace's current seq without advancing it (docs/api.md: only events
 * that change what REST returns advance it). They are never duplicates; a seq above ours in one of
 * them still means we missed an event.
 */
const CURRENT_SEQ_FRAMES = new Set([E.HELLO, E.PING, E.ERROR, E.TYPING, E.PRESENCE]);

// Backoff: 0.5 s doubling to 15 s, +-25% jitter so a restarted server is not hit in lockstep.
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
// The server pings every 20 s; two missed pings and the socket is presumed dead (NAT drop, sleep).
const HEARTBEAT_TIMEOUT_MS = 45000;
// Hidden longer than this (or a timer that fired this late) = the machine may have slept.
const SLEEP_GAP_MS = 30000;
const WAKE_CHECK_MS = 5000;
// Gaps come in bursts (a socket that was slow, a server restart): one refetch per burst.
const GAP_DEBOUNCE_MS = 250;

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
  const { chats, messages, sessions, connection } = stores;
  let ws = null;
  let stopped = true;
  let reconnectTimer = null;
  let heartbeatTimer = null;
  let wakeTimer = null;
  let lastTick = now();
  let hiddenAt = null;
  let subscribedContact = null;
  let refetching = null;
  let refetchAgain = false;
  let reconnected = false;
  let gapTimer = null;

  function refetchAfterGap() {
    if (gapTimer) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      refetch('gap');
    }, GAP_DEBOUNCE_MS);
  }

  // Event type -> store action(s). Adding an event = one line here and one in events.js.
  const routes = {
    [E.HELLO]: () => {},
    [E.MESSAGE_NEW]: ({ message }) => {
      messages.applyMessageNew(message);
      chats.applyMessage(message);
      chats.clearTypingOnMessage(message);
    },
    [E.MESSAGE_STATUS]: (frame) => {
      messages.applyMessageStatus(frame);
      chats.applyMessageStatus(frame);
    },
    [E.MESSAGE_UPDATED]: ({ message }) => {
      messages.applyMessageUpdated(message);
      chats.applyMessage(message);
    },
    [E.MESSAGE_REACTION]: (frame) => messages.applyReaction(frame),
    [E.MESSAGE_REVOKED]: (frame) => {
      messages.applyRevoked(frame);
      chats.applyRevoked(frame);
    },
    [E.TYPING]: (frame) => chats.applyTyping(frame),
    [E.PRESENCE]: (frame) => chats.applyPresence(frame),
    [E.CHAT_UPDATED]: ({ chat }) => chats.applyChatUpdated(chat),
    [E.SESSION_STATUS]: ({ session }) => sessions.applySessionStatus(session),
    [E.PING]: () => {},
    [E.ERROR]: (frame) => {
      if (typeof console !== 'undefined') console.warn('inbox socket error frame', frame.code, frame.message);
    },
  };

  /**
   * Seq bookkeeping. Returns 'apply' or 'duplicate'; schedules a refetch on a gap.
   * hello/ping carry the current seq: a value above ours means we missed frames.
   */
  function trackSeq(frame) {
    const seq = frame.seq;
    if (typeof seq !== 'number') return 'apply';
    const last = connection.lastSeq;
    if (frame.type === E.HELLO) {
      // A (re)connect: always refetch (frames between our last one and this socket are gone);
      // the server's counter may also have restarted lower, so take its value as is.
      connection.lastSeq = seq;
      return 'apply';
    }
    if (CURRENT_SEQ_FRAMES.has(frame.type)) {
      if (last != null && seq > last) {
        connection.lastSeq = seq;
        refetchAfterGap();
      }
      return 'apply';
    }
    if (last == null) {
      connection.lastSeq = seq;
      return 'apply';
    }
    if (seq <= last) return 'duplicate';
    connection.lastSeq = seq;
    if (seq > last + 1) refetchAfterGap();
    return 'apply';
  }

  /** Route one parsed frame (exported for tests). */
  function handleFrame(frame) {
    if (!frame || typeof frame.type !== 'string') return;
    if (trackSeq(frame) === 'duplicate') return;
    const route = routes[frame.type];
    if (route) {
      try {
        route(frame);
      } catch (err) {
        if (typeof console !== 'undefined') console.error('applying', frame.type, err);
        refetch('apply_error');
      }
    }
    // The first socket: what changed between the initial REST load and the join is refetched.
    // (A reconnect already refetched on open, so a server without `hello` is covered too.)
    if (frame.type === E.HELLO && !reconnected) refetch('connect');
  }

  /** Coalesced: one refetch at a time, one more if asked meanwhile. */
  function refetch(reason) {
    connection.noteRefetch(reason);
    if (refetching) {
      refetchAgain = true;
      return refetching;
    }
    refetching = (async () => {
      do {
        refetchAgain = false;
        const jobs = [chats.refresh()];
        if (chats.openId != null) jobs.push(messages.refreshThread(chats.openId));
        if (sessions.loaded) jobs.push(sessions.fetchSessions());
        await Promise.allSettled(jobs);
      } while (refetchAgain);
    })().finally(() => {
      refetching = null;
    });
    return refetching;
  }

  function send(frame) {
    if (ws && ws.readyState === 1) {
      ws.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  function armHeartbeat() {
    clearTimeout(heartbeatTimer);
    heartbeatTimer = setTimeout(() => {
      // No frame (not even a ping) for too long: the socket is dead even if it says open.
      dropSocket('heartbeat');
    }, heartbeatTimeoutMs);
  }

  function detach(socket) {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  /** Give up on the current socket now (do not wait for a close that may never come). */
  function dropSocket(reason) {
    if (!ws) return;
    const socket = ws;
    ws = null;
    detach(socket);
    try {
      socket.close(4000, reason);
    } catch {
      /* already closed */
    }
    onClosed({ code: 1006 });
  }

  function connect() {
    if (stopped || ws) return;
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    connection.setStatus(connection.connectedOnce ? 'reconnecting' : 'connecting');
    let socket;
    try {
      socket = new WebSocketImpl(url);
    } catch {
      scheduleReconnect();
      return;
    }
    ws = socket;
    socket.onopen = () => {
      reconnected = connection.connectedOnce;
      connection.setStatus('open');
      armHeartbeat();
      if (subscribedContact != null) send({ type: C.SUBSCRIBE, contact_id: subscribedContact });
      // Back after a drop: whatever happened meanwhile is only in the REST API.
      if (reconnected) refetch('reconnect');
    };
    socket.onmessage = (event) => {
      armHeartbeat();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      handleFrame(frame);
    };
    socket.onerror = () => {
      /* onclose follows */
    };
    socket.onclose = (event) => {
      if (ws !== socket) return;
      ws = null;
      detach(socket);
      onClosed(event);
    };
  }

  function onClosed(event) {
    clearTimeout(heartbeatTimer);
    connection.closeCode = event?.code ?? null;
    if (stopped) {
      connection.setStatus('closed');
      return;
    }
    if (event && (event.code === 4401 || event.code === 4403)) {
      // Not logged in any more, or not a member: the server-rendered login decides.
      connection.setStatus('closed');
      redirectToLogin();
      return;
    }
    scheduleReconnect();
  }

  function scheduleReconnect() {
    if (stopped) return;
    connection.setStatus('reconnecting');
    const attempt = connection.attempt;
    connection.attempt = attempt + 1;
    const base = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    const delay = Math.round(base * (0.75 + random() * 0.5));
    connection.retryAt = now() + delay;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, delay);
  }

  /** Reconnect now (the network is back, the tab is visible again). */
  function reconnectNow() {
    if (stopped || ws) return;
    clearTimeout(reconnectTimer);
    connect();
  }

  function onVisibility() {
    const doc = env?.document;
    if (!doc) return;
    if (doc.visibilityState === 'hidden') {
      hiddenAt = now();
      return;
    }
    const slept = hiddenAt != null && now() - hiddenAt > SLEEP_GAP_MS;
    hiddenAt = null;
    if (!ws) reconnectNow();
    else if (slept) refetch('wake');
  }

  function onOnline() {
    reconnectNow();
  }

  function onWakeCheck() {
    const t = now();
    const late = t - lastTick > SLEEP_GAP_MS;
    lastTick = t;
    if (late) {
      // Timers stall while the machine sleeps: the socket may be a zombie and frames are lost.
      if (ws) refetch('wake');
      else reconnectNow();
    }
  }

  function start() {
    if (!stopped) return;
    stopped = false;
    if (env && env.addEventListener) {
      env.addEventListener('online', onOnline);
      env.document?.addEventListener?.('visibilitychange', onVisibility);
    }
    lastTick = now();
    wakeTimer = setInterval(onWakeCheck, WAKE_CHECK_MS);
    connect();
  }

  function stop() {
    stopped = true;
    clearTimeout(reconnectTimer);
    clearTimeout(heartbeatTimer);
    clearTimeout(gapTimer);
    gapTimer = null;
    clearInterval(wakeTimer);
    if (env && env.removeEventListener) {
      env.removeEventListener('online', onOnline);
      env.document?.removeEventListener?.('visibilitychange', onVisibility);
    }
    if (ws) {
      const socket = ws;
      ws = null;
      detach(socket);
      try {
        socket.close(1000, 'bye');
      } catch {
        /* ignore */
      }
    }
    connection.setStatus('closed');
  }

  /** Follow one contact (typing and presence are only sent to its subscribers). */
  function subscribe(contactId) {
    const id = contactId == null ? null : Number(contactId);
    if (id === subscribedContact) return;
    if (subscribedContact != null) send({ type: C.UNSUBSCRIBE, contact_id: subscribedContact });
    subscribedContact = id;
    if (id != null) send({ type: C.SUBSCRIBE, contact_id: id });
  }

  function sendTyping(contactId, state) {
    return send({ type: C.TYPING, contact_id: Number(contactId), state });
  }

  /** Read receipt for a chat: over the socket when it is up, else over REST. */
  function sendRead(contactId) {
    chats.clearUnread(contactId);
    if (send({ type: C.READ, contact_id: Number(contactId) })) return Promise.resolve();
    return chats.markRead(contactId).catch(() => {});
  }

  return {
    start,
    stop,
    subscribe,
    sendTyping,
    sendRead,
    refetch,
    handleFrame,
    reconnectNow,
    /** For tests: drop the socket as a dead network would. */
    _dropSocket: dropSocket,
    get socket() {
      return ws;
    },
  };
}

/** The realtime module, from a component or composable. */
export function useRealtime() {
  const realtime = inject(REALTIME_KEY, null);
  if (!realtime) throw new Error('useRealtime() needs the realtime module provided by main.js');
  return realtime;
}
