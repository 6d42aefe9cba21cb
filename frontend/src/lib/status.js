// Message status rules, shared by every store action that touches a status.
// WhatsApp's ticks only move forward: pending < sent < delivered < read < played.
// `failed` is reachable only from pending/sent (or when the caller says so explicitly).
// Out of `failed`: delivered/read/played evidence always lifts it (the message did reach the
// phone); pending/sent lift it only when they are the server's current word (`authoritative`):
// after a retry (ours, another tab's, another agent's) or the bridge linking the message, the
// server moves failed -> pending -> sent, and a frame or a REST row saying so is the truth. A
// stale copy (a REST row asked for before a frame we applied since) is never authoritative, so it
// cannot drag a message back to pending.

import { STATUS_RANK } from '../generated/contract.js';

export { STATUS_RANK };

/**
 * The status a message should have after `incoming` is reported while it is `current`.
 * @param {string|undefined} current
 * @param {string|undefined} incoming
 * @param {{explicit?: boolean, authoritative?: boolean}} [opts]
 *   explicit: a deliberate transition of our own (our Retry, a send error);
 *   authoritative: `incoming` is the server's state, newer than anything applied to this message
 *   (a frame, in seq order; a REST copy asked for after the last frame applied to it).
 */
export function nextStatus(current, incoming, { explicit = false, authoritative = false } = {}) {
  if (!incoming) return current;
  if (!current) return incoming;
  if (current === incoming) return current;
  if (explicit) return incoming;
  if (incoming === 'failed') {
    return current === 'pending' || current === 'sent' ? 'failed' : current;
  }
  const to = STATUS_RANK[incoming];
  if (to === undefined) return current;
  if (current === 'failed') {
    if (to >= STATUS_RANK.delivered) return incoming;
    return authoritative ? incoming : current;
  }
  const from = STATUS_RANK[current];
  if (from === undefined) return incoming;
  return to > from ? incoming : current;
}
