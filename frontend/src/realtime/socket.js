// The inbox WebSocket itself: connect, reconnect with backoff, drop a socket that went silent, and
// notice when the tab or the machine was away (hidden, asleep, offline). It knows nothing of
// frame types: it hands each parsed frame to `onFrame`, says when a socket opened (`onOpen`) and
// when what we hold may be stale although the socket looks open (`onWake`).
import { redirectToLogin } from '../api/http.js';

// Backoff: 0.5 s doubling to 15 s, +-25% jitter so a restarted server is not hit in lockstep.
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15000;
// The server pings every 20 s; two missed pings and the socket is presumed dead (NAT drop, sleep).
export const HEARTBEAT_TIMEOUT_MS = 45000;
// Hidden longer than this (or a timer that fired this late) = the machine may have slept.
const SLEEP_GAP_MS = 30000;
const WAKE_CHECK_MS = 5000;
// Not logged in any more, or not a member (docs/realtime.md): the server-rendered login decides.
const REFUSED_CODES = new Set([4401, 4403]);

/**
 * @param {object} deps
 * @param {string} deps.url
 * @param {object} deps.connection useRealtimeStore: status, attempt, retryAt, closeCode
 * @param {(frame: object) => void} deps.onFrame every parsed frame, in arrival order
 * @param {(info: {reconnected: boolean}) => void} deps.onOpen a socket opened (reconnected: not the first)
 * @param {() => void} deps.onWake the tab or machine was away while the socket stayed open
 * @param {typeof WebSocket} [deps.WebSocketImpl]
 * @param {object} [deps.env] window-ish: addEventListener, document (for tests)
 * @param {() => number} [deps.random]
 * @param {() => number} [deps.now]
 * @param {number} [deps.heartbeatTimeoutMs]
 */
export function createSocket({
  url,
  connection,
  onFrame,
  onOpen,
  onWake,
  WebSocketImpl = globalThis.WebSocket,
  env = typeof window === 'undefined' ? null : window,
  random = Math.random,
  now = () => Date.now(),
  heartbeatTimeoutMs = HEARTBEAT_TIMEOUT_MS,
}) {
  let ws = null;
  let stopped = true;
  let reconnectTimer = null;
  let heartbeatTimer = null;
  let wakeTimer = null;
  let lastTick = now();
  let hiddenAt = null;

  /** Send a frame when the socket is open; false when it is not (the caller may fall back to REST). */
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
      drop('heartbeat');
    }, heartbeatTimeoutMs);
  }

  function detach(socket) {
    socket.onopen = null;
    socket.onmessage = null;
    socket.onclose = null;
    socket.onerror = null;
  }

  /** Give up on the current socket now (do not wait for a close that may never come). */
  function drop(reason) {
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
      const reconnected = connection.connectedOnce;
      connection.setStatus('open');
      armHeartbeat();
      onOpen({ reconnected });
    };
    socket.onmessage = (event) => {
      armHeartbeat();
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      onFrame(frame);
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
    if (event && REFUSED_CODES.has(event.code)) {
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
    else if (slept) onWake();
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
      if (ws) onWake();
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

  return {
    start,
    stop,
    send,
    reconnectNow,
    drop,
    get current() {
      return ws;
    },
  };
}
