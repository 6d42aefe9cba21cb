// The agent's typing indicator towards the customer: at most one "typing" per 2.5 s while keys
// are pressed (WhatsApp shows it for a few seconds per signal), "paused" after 3 s without a key
// or when the message is sent.
import { onScopeDispose, getCurrentScope } from 'vue';

export const TYPING_THROTTLE_MS = 2500;
export const TYPING_IDLE_MS = 3000;

/**
 * @param {(state: 'typing'|'paused') => void} send
 * @param {{now?: () => number, throttleMs?: number, idleMs?: number}} [opts]
 */
export function useTypingSender(send, { now = () => Date.now(), throttleMs = TYPING_THROTTLE_MS, idleMs = TYPING_IDLE_MS } = {}) {
  let lastTypingAt = -Infinity;
  let active = false;
  let idleTimer = null;

  function pause() {
    clearTimeout(idleTimer);
    idleTimer = null;
    if (active) {
      active = false;
      lastTypingAt = -Infinity;
      send('paused');
    }
  }

  /** A key was pressed in the composer. */
  function onInput() {
    const t = now();
    if (t - lastTypingAt >= throttleMs) {
      lastTypingAt = t;
      active = true;
      send('typing');
    }
    clearTimeout(idleTimer);
    idleTimer = setTimeout(pause, idleMs);
  }

  /** The message went out, the chat changed, or the composer emptied. */
  function onStop() {
    pause();
  }

  if (getCurrentScope()) onScopeDispose(pause);

  return { onInput, onStop };
}
