// The agent's typing indicator towards the customer: at most one "typing" per 2.5 s while keys
// are pressed (WhatsApp shows it for a few seconds per signal), "paused" after 3 s without a key
// or when the message is sent. A voice note is "recording" from its start to its end: it has no
// keystrokes, so the state is refreshed every 2.5 s (the server expires a state after 6 s) until
// the recording ends ("paused").
import { onScopeDispose, getCurrentScope } from 'vue';

export const TYPING_THROTTLE_MS = 2500;
export const TYPING_IDLE_MS = 3000;

/**
 * @param {(state: 'typing'|'recording'|'paused') => void} send
 * @param {{now?: () => number, throttleMs?: number, idleMs?: number}} [opts]
 */
export function useTypingSender(send, { now = () => Date.now(), throttleMs = TYPING_THROTTLE_MS, idleMs = TYPING_IDLE_MS } = {}) {
  let active = null; // the state the customer sees from us: 'typing' | 'recording' | null
  let sentAt = -Infinity;
  let idleTimer = null;
  let keepAlive = null;

  function emit(state) {
    active = state;
    sentAt = now();
    send(state);
  }

  function pause() {
    clearTimeout(idleTimer);
    idleTimer = null;
    clearInterval(keepAlive);
    keepAlive = null;
    if (active) {
      active = null;
      sentAt = -Infinity;
      send('paused');
    }
  }

  /**
   * Activity in the composer: a key ('typing', the default), a voice note starting ('recording')
   * or ending ('paused').
   */
  function onInput(state = 'typing') {
    if (state === 'paused') {
      pause();
      return;
    }
    // A new state goes at once; the same state at most once per throttle.
    if (state !== active || now() - sentAt >= throttleMs) emit(state);
    clearTimeout(idleTimer);
    idleTimer = null;
    if (state === 'recording') {
      if (!keepAlive) keepAlive = setInterval(() => emit('recording'), throttleMs);
      return;
    }
    clearInterval(keepAlive);
    keepAlive = null;
    idleTimer = setTimeout(pause, idleMs);
  }

  /** The message went out, the chat changed, or the composer emptied. */
  function onStop() {
    pause();
  }

  if (getCurrentScope()) onScopeDispose(pause);

  return { onInput, onStop };
}
