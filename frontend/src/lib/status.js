// Message status rules, shared by every store action that touches a status.
// WhatsApp's ticks only move forward: pending < sent < delivered < read < played.
// `failed` is reachable only from pending/sent (or when the caller says so explicitly), and the
// only way out of `failed` back to `pending` is an explicit retry. Evidence that the message did
// reach the phone (delivered/read/played) also lifts a failure: the server knows better.

export const STATUS_RANK = Object.freeze({ pending: 0, sent: 1, delivered: 2, read: 3, played: 4 });

/**
 * The status a message should have after `incoming` is reported while it is `current`.
 * @param {string|undefined} current
 * @param {string|undefined} incoming
 * @param {{explicit?: boolean}} [opts] explicit: a deliberate transition (a retry, a send error)
 */
export function nextStatus(current, incoming, { explicit = false } = {}) {
  if (!incoming) return current;
  if (!current) return incoming;
  if (current === incoming) return current;
  if (explicit) return incoming;
  if (incoming === 'failed') {
    return current === 'pending' || current === 'sent' ? 'failed' : current;
  }
  if (current === 'failed') {
    return STATUS_RANK[incoming] >= STATUS_RANK.delivered ? incoming : current;
  }
  const from = STATUS_RANK[current];
  const to = STATUS_RANK[incoming];
  if (to === undefined) return current;
  if (from === undefined) return incoming;
  return to > from ? incoming : current;
}
