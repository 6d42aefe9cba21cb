// Server frames -> store actions. Each frame type (names from events.js) has one route; `seq`
// bookkeeping applies the logged events one by one: a reconnect or a gap sends `resume` with the
// last seq applied and the server replays what we missed from its event log (docs/realtime.md);
// `resync_required` (older than the log keeps) and a wake-up refetch over REST, the source of truth.
// Knows nothing of the socket: the realtime module feeds it frames and gives it `send`.
import { SERVER_EVENTS as E, SEQ_ADVANCING, CLIENT_FRAMES as C } from './events.js';

/**
 * Frames outside SEQ_ADVANCING (the server's catalogue says which) carry the workspace's current
 * seq without advancing it: they are never duplicates, and a seq above ours in one of them still
 * means we missed an event.
 */
const ADVANCING = new Set(SEQ_ADVANCING);

// Gaps come in bursts (a socket that was slow, a server restart): one refetch per burst.
const GAP_DEBOUNCE_MS = 250;

/**
 * @param {object} deps
 * @param {{chats, messages, sessions, connection, mutes?, viewers, scheduled?}} deps.stores
 * @param {(frame: object) => boolean} deps.send a client frame; false when the socket is not open
 */
export function createRouter({ stores, send = () => false }) {
  const { chats, messages, sessions, connection, mutes, viewers, scheduled } = stores;
  let refetching = null;
  let refetchAgain = false;
  let reconnected = false;
  let gapTimer = null;
  // A resume was sent and its replay has not reached the next seq yet: frames above it are ones
  // the replay repeats (they reached the socket before the server read the resume).
  let resuming = false;

  /** Ask the server for every logged event after the last one applied (REST when it cannot). */
  function resume(reason) {
    if (connection.lastSeq != null && send({ type: C.RESUME, after_seq: connection.lastSeq })) {
      resuming = true;
      return;
    }
    refetch(reason);
  }

  function resumeAfterGap(seenSeq) {
    if (gapTimer) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      // Frames may just be on their way: only a seq still behind is a gap.
      if (!resuming && connection.lastSeq != null && connection.lastSeq < seenSeq) resume('gap');
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
    [E.CHAT_VIEWERS]: (frame) => viewers?.applyViewers(frame),
    [E.CHAT_UPDATED]: ({ chat }) => chats.applyChatUpdated(chat),
    // The row itself comes with the chat.updated that follows; the views' counts move.
    [E.CHAT_STATUS]: () => chats.scheduleCounts(),
    [E.CHAT_ASSIGNED]: () => chats.scheduleCounts(),
    [E.CHAT_HIDDEN]: (frame) => chats.applyHidden(frame),
    // Erased with its messages: the row goes, and an open thread closes (stores/chats.js).
    [E.CONTACT_ERASED]: (frame) => chats.applyHidden(frame),
    // Merged into another contact (a LID learnt its phone): that one's chat.updated follows.
    [E.CONTACT_MERGED]: (frame) => chats.applyHidden(frame),
    // This agent muted or unmuted a chat in another tab or on another device.
    [E.CHAT_MUTED]: (frame) => mutes?.applyFrame(frame),
    [E.NOTE_MENTION]: (frame) => stores.team?.applyMention(frame),
    [E.SESSION_STATUS]: ({ session }) => sessions.applySessionStatus(session),
    // The thread's scheduled list: a new one shows, an edit moves, a cancelled or sent one leaves.
    [E.SCHEDULED_CREATED]: (frame) => scheduled?.applyFrame(frame),
    [E.SCHEDULED_UPDATED]: (frame) => scheduled?.applyFrame(frame),
    [E.SCHEDULED_CANCELLED]: (frame) => scheduled?.applyFrame(frame),
    [E.SCHEDULED_SENT]: (frame) => scheduled?.applyFrame(frame),
    [E.PING]: () => {},
    [E.RESYNC_REQUIRED]: () => refetch('resync_required'),
    [E.ERROR]: (frame) => {
      if (typeof console !== 'undefined') console.warn('inbox socket error frame', frame.code, frame.message);
    },
  };

  /**
   * Seq bookkeeping. Returns 'apply' or 'skip'. Logged (advancing) frames are applied one by one:
   * a lower seq is a duplicate, a higher one than the next is a gap (resume) or, while resuming,
   * a frame the replay repeats. The other frames carry the current seq: one still above ours a
   * moment later means we missed something.
   */
  function trackSeq(frame) {
    const seq = frame.seq;
    if (typeof seq !== 'number') return 'apply';
    const last = connection.lastSeq;
    if (frame.type === E.HELLO) {
      // The first socket starts here; a reconnect keeps its place and resumes from it.
      if (last == null || !reconnected) connection.lastSeq = seq;
      return 'apply';
    }
    if (frame.type === E.RESYNC_REQUIRED) {
      resuming = false;
      connection.lastSeq = seq;
      return 'apply';
    }
    if (!ADVANCING.has(frame.type)) {
      if (last != null && seq > last) resumeAfterGap(seq);
      return 'apply';
    }
    if (last == null || seq === last + 1) {
      connection.lastSeq = seq;
      resuming = false;
      return 'apply';
    }
    if (seq <= last) return 'skip';
    if (!resuming) resume('gap');
    return 'skip';
  }

  /** Route one parsed frame. */
  function handleFrame(frame) {
    if (!frame || typeof frame.type !== 'string') return;
    if (trackSeq(frame) === 'skip') return;
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
        if (mutes?.loaded) jobs.push(mutes.refresh()); // chat.muted frames missed while away
        if (scheduled) jobs.push(scheduled.refresh()); // scheduled.* frames missed while away
        await Promise.allSettled(jobs);
      } while (refetchAgain);
    })().finally(() => {
      refetching = null;
    });
    return refetching;
  }

  /** A socket opened: after a drop, the server replays what we missed from its event log. */
  function opened({ reconnected: again }) {
    reconnected = again;
    resuming = false;
    if (again) resume('reconnect');
  }

  function stop() {
    clearTimeout(gapTimer);
    gapTimer = null;
  }

  return { handleFrame, refetch, opened, stop };
}
