// How two copies of one message become one: pure functions, no store state.
//
// A message's key is `c:<client_id>` when it has a client_id (every message this SPA or a CRM
// sent), else `m:<id>`. The optimistic bubble and the server's copy of it therefore share one key
// from the first frame on, whichever of the POST answer, `message.new` or `message.status` arrives
// first: reconciliation is a merge, never a swap. Statuses only move forward (lib/status.js).
//
// Freshness. Frames reach the stores in seq order (the realtime router drops replays and refetches
// on gaps), so a frame is always newer than what we hold. A REST copy is not: a page asked for
// before a frame and answered after it may predate it. So every frame applied to a message, and
// every change this tab makes to it, stamps the field groups it changed (status, reactions,
// revoke, content: FIELD_GROUPS) with the next value of a counter that only goes up: the tab's
// own sequence of applied frames, which orders them exactly as their seq does, never restarts
// lower when the server's counter does, and also covers our own changes, which carry no seq.
// Every REST request remembers the counter's value when it was made. In a copy asked for before a
// group's stamp, that group stays ours (mergeCopy); the rest of the copy is the server's truth, and
// a status asked for after the last status frame may even lift `failed` back to pending (a retry
// elsewhere).
import { nextStatus } from '../../lib/status.js';
import { messageDay } from '../../lib/format.js';

export function messageKey(message) {
  if (message.client_id) return `c:${message.client_id}`;
  return `m:${message.id}`;
}

function timeOf(message) {
  const t = Date.parse(message.timestamp || message.created_at || '');
  return Number.isNaN(t) ? Date.now() : t;
}

/** Sort order of a thread: WhatsApp time, then server id (optimistic ones, without id, last). */
export function compareMessages(a, b) {
  if (a._t !== b._t) return a._t - b._t;
  const ai = a.id ?? Infinity;
  const bi = b.id ?? Infinity;
  if (ai !== bi) return ai < bi ? -1 : 1;
  return a._key < b._key ? -1 : a._key > b._key ? 1 : 0;
}

/**
 * Merge what the server (or a frame) says into what we have. Monotonic facts stay true: the
 * status never goes backwards, a revoke or an edit is never undone by a stale copy, ready media
 * stays ready. Local bookkeeping (`_local`: upload progress, whether the POST got through) stays.
 * @param {{explicit?: boolean, authoritative?: boolean}} [opts]
 *   authoritative: `incoming` is the server's current word (a frame; a REST copy asked for after
 *   the last frame applied to this message): it may lift `failed` back to pending/sent (a retry).
 */
export function mergeMessage(existing, incoming, { explicit = false, authoritative = false } = {}) {
  if (!existing) {
    const message = { ...incoming };
    message._key = messageKey(message);
    message._t = timeOf(message);
    messageDay(message);
    return message;
  }
  const merged = { ...existing, ...incoming, _local: existing._local };
  merged.status = nextStatus(existing.status, incoming.status, { explicit, authoritative });
  if (merged.status !== incoming.status) {
    merged.failure_reason = existing.failure_reason;
    merged.failed_at = existing.failed_at;
  }
  merged.revoked = Boolean(existing.revoked || incoming.revoked);
  if (existing.revoked && !incoming.revoked) merged.revoked_at = existing.revoked_at;
  merged.edited = Boolean(existing.edited || incoming.edited);
  if ((existing.edits?.length || 0) > (incoming.edits?.length || 0)) {
    merged.edits = existing.edits;
    merged.body = existing.body;
    merged.edited_at = existing.edited_at;
  }
  if (existing.media?.ready && incoming.media && !incoming.media.ready) merged.media = existing.media;
  if (incoming.media === undefined) merged.media = existing.media;
  merged._key = existing._key;
  merged._t = incoming.timestamp || incoming.created_at ? timeOf(merged) : existing._t;
  merged._dayEpoch = undefined;
  messageDay(merged);
  return merged;
}

/**
 * The fields each kind of frame changes. `message.new` / `message.updated` carry the whole message
 * (every group); the others one group each. Anything not listed is `content`.
 */
export const FIELD_GROUPS = Object.freeze({
  status: ['status', 'failure_reason', 'sent_at', 'delivered_at', 'read_at', 'played_at', 'failed_at'],
  reactions: ['reactions'],
  revoke: ['revoked', 'revoked_at'],
});
export const ALL_GROUPS = Object.freeze(['status', 'reactions', 'revoke', 'content']);
const GROUPED = new Set(Object.values(FIELD_GROUPS).flat());
// Identities a copy may always fill in when we lack them (an optimistic bubble learning its id).
const IDENTITY_FIELDS = ['id', 'wa_message_id', 'session_id', 'sent_by'];

/**
 * A REST copy merged into what we have, where `stale` names the field groups that a frame (or a
 * change of ours) applied after the copy was asked for: those stay ours (the copy may predate
 * them; any later change comes as a frame too), the rest is the server's truth.
 * @param {object} existing
 * @param {object} incoming
 * @param {Set<string>} stale
 */
export function mergeCopy(existing, incoming, stale) {
  if (!existing) return mergeMessage(existing, incoming);
  const merged = mergeMessage(existing, incoming, { authoritative: !stale.has('status') });
  if (!stale.size) return merged;
  const keep = (field) => {
    if (field in existing) merged[field] = existing[field];
  };
  for (const group of stale) {
    if (group === 'content') {
      for (const field of Object.keys(incoming)) if (!GROUPED.has(field)) keep(field);
      merged._t = existing._t;
      merged._day = existing._day;
      merged._dayEpoch = existing._dayEpoch;
    } else {
      for (const field of FIELD_GROUPS[group]) keep(field);
    }
  }
  for (const field of IDENTITY_FIELDS) if (existing[field] == null && incoming[field] != null) merged[field] = incoming[field];
  return merged;
}

/**
 * `message` with the status a `message.status` frame (or our own transition) reports, when that
 * status may follow the current one; the same object when nothing changes.
 * @param {{status: string, failure_reason?: string, at?: string, wa_message_id?: string}} frame
 */
export function withStatus(message, frame, { explicit = false, authoritative = false } = {}) {
  const status = nextStatus(message.status, frame.status, { explicit, authoritative });
  if (status === message.status) return message;
  const updated = { ...message, status };
  updated.failure_reason = status === 'failed' ? frame.failure_reason || message.failure_reason || '' : '';
  if (status !== 'failed') updated.failed_at = null;
  if (frame.at && status !== 'pending') updated[`${status}_at`] = frame.at;
  if (frame.wa_message_id) updated.wa_message_id = frame.wa_message_id;
  return updated;
}
