// A chat row's pure rules: its activity order, how a newer row merges into an older one, and
// whether it belongs to the list's current view (stores/chats.js keeps the rows).
import { nextStatus } from '../lib/status.js';

export function activityOf(chat) {
  const t = Date.parse(chat.last_message_at || chat.last_message?.timestamp || chat.created_at || '');
  return Number.isNaN(t) ? 0 : t;
}

/**
 * Within one activity time (WhatsApp's are whole seconds) the later message wins: message ids
 * grow with arrival. The server orders the list the same way (last_message_at, last message id).
 */
export function lastIdOf(chat) {
  return chat.last_message?.id ?? 0;
}

/** Is row `a`'s last activity after row `b`'s? */
export function newerThan(a, aT, b, bT) {
  return aT > bT || (aT === bT && lastIdOf(a) > lastIdOf(b));
}

// A chat row's field groups, for freshness (see upsert).
export const ROW_GROUPS = Object.freeze(['preview', 'unread', 'row']);
export const PREVIEW_FIELDS = ['last_message', 'last_message_at'];

export function sameMessage(a, b) {
  if (!a || !b) return false;
  if (a.id != null && b.id != null) return a.id === b.id;
  return Boolean(a.client_id && a.client_id === b.client_id);
}

export function mergeRow(existing, incoming) {
  const row = { ...existing, ...incoming };
  const mine = existing.last_message;
  const theirs = incoming.last_message;
  const incomingT = activityOf(incoming);
  if (sameMessage(mine, theirs)) {
    row.last_message = { ...theirs, status: nextStatus(mine.status, theirs.status, { authoritative: true }) };
    // Our optimistic copy carried this browser's clock; the server's time takes over.
    row._t = mine.id == null && theirs.id != null ? incomingT || existing._t : Math.max(activityOf(row), existing._t || 0);
    return row;
  }
  if (mine && newerThan(existing, existing._t, incoming, incomingT)) {
    row.last_message = mine;
    row.last_message_at = existing.last_message_at;
  }
  row._t = Math.max(activityOf(row), existing._t || 0);
  return row;
}

/** Does the row belong to the view: assignee 'mine' | 'none' | 'all', status ('' = all), label, session. */
export function inView(row, filters, myId) {
  if (filters.status && (row.status || 'open') !== filters.status) return false;
  const assignee = row.assignee?.id ?? null;
  if (filters.assignee === 'mine' && assignee !== myId) return false;
  if (filters.assignee === 'none' && assignee !== null) return false;
  if (filters.label && !(row.labels || []).some((l) => String(l.id) === String(filters.label))) return false;
  if (filters.session_id && row.session_id !== filters.session_id) return false;
  return true;
}
