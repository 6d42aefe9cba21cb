// Batched delivery (BRIDGE_OUTBOX_BATCH_MAX > 1): when a session has a backlog, up to that many of
// its queued events go in one signed POST (contract: node_messages.batch), order kept:
//   {type: "batch", session_id, workspace, node_id?, epoch?, occurred_at,
//    data: {events: [{id (the event's own webhook-id), type, occurred_at, data}, ...]}}
// Django answers 2xx {results: [{id, status: "applied"|"duplicate"|"rejected", error?}, ...]}.
// Pure functions: outbox.js does the I/O.
import { NodeMessageType } from './contract/index.js';
import { newEventId } from './lib/ids.js';

// Django's request body limit is far above this; a backlog of media-heavy events still goes in
// several POSTs rather than one huge one.
export const BATCH_MAX_BYTES = 1024 * 1024;

/**
 * The batch for the head of a session's queue: `entries` ([{key, value: outbox record}], in
 * order) cut at `max` events, BATCH_MAX_BYTES, or a change of workspace or epoch (a session
 * deleted and created again). Returns {record: {id, body}, entries} or null for fewer than 2.
 */
export function buildBatch(entries, max) {
  const events = [];
  const taken = [];
  let first = null;
  let bytes = 0;
  for (const entry of entries) {
    if (taken.length >= max) break;
    const envelope = JSON.parse(entry.value.body);
    first ??= envelope;
    if (envelope.workspace !== first.workspace || envelope.epoch !== first.epoch || envelope.node_id !== first.node_id) break;
    bytes += entry.value.body.length;
    if (taken.length && bytes > BATCH_MAX_BYTES) break;
    events.push({ id: entry.value.id, type: envelope.type, occurred_at: envelope.occurred_at, data: envelope.data });
    taken.push(entry);
  }
  if (taken.length < 2) return null;
  const body = {
    type: NodeMessageType.BATCH,
    session_id: first.session_id,
    workspace: first.workspace,
    ...(first.node_id !== undefined ? { node_id: first.node_id } : {}),
    ...(first.epoch !== undefined ? { epoch: first.epoch } : {}),
    occurred_at: Date.now() / 1000,
    data: { events },
  };
  return { record: { id: newEventId(), body: JSON.stringify(body) }, entries: taken };
}

const DONE = new Set(['applied', 'duplicate']);

/**
 * Django's answer to a batch -> what happened to each entry, as the longest prefix of `entries`
 * with a result: [{entry, outcome: "done" | "rejected", error}]. An event with no result (and all
 * after it) stays queued, so order is kept. null when the answer is not a batch answer at all.
 */
export function batchResults(text, entries) {
  let results;
  try {
    results = JSON.parse(text).results;
  } catch {
    return null;
  }
  if (!Array.isArray(results)) return null;
  const byId = new Map(results.filter((r) => r && typeof r.id === 'string').map((r) => [r.id, r]));
  const out = [];
  for (const entry of entries) {
    const result = byId.get(entry.value.id);
    if (!result || !(DONE.has(result.status) || result.status === 'rejected')) break;
    out.push({ entry, outcome: DONE.has(result.status) ? 'done' : 'rejected', error: result.error ?? null });
  }
  return out;
}
