// Dead letters as GET /outbox/dead lists them (outbox.js sets them aside and replays them).

/**
 * Dead letters in webhook-id order (= the order they were first queued), `limit` at a time after
 * the id `after`, optionally of one session. `next_after` is the cursor for the next page.
 */
export function listDeadLetters(dead, total, { limit = 100, after = null, sessionId = null } = {}) {
  const items = [];
  let more = false;
  for (const { key, value } of dead.getRange(after ? { start: after } : {})) {
    if (key === after || (sessionId && value.session_id !== sessionId)) continue;
    if (items.length === limit) {
      more = true;
      break;
    }
    items.push(deadLetterView(value));
  }
  return { dead_letters: items, total, next_after: more ? items.at(-1).id : null };
}

/** A dead letter as GET /outbox/dead shows it (times in epoch seconds, the event as Django would get it). */
function deadLetterView(record) {
  return {
    id: record.id,
    session_id: record.session_id,
    type: record.type,
    enqueued_at: record.enqueued_at / 1000,
    dead_at: record.dead_at / 1000,
    attempts: record.attempts,
    last_status: record.last_status,
    last_response: record.last_response,
    replays: record.replays ?? 0,
    event: JSON.parse(record.body),
  };
}
