// Server frames -> store actions. Each frame type (names from events.js) has one route; `seq`
// bookkeeping drops replays and notices gaps; a gap, a reconnect or a wake-up refetches over REST,
// the source of truth. Knows nothing of the socket: the realtime module feeds it frames.
import { SERVER_EVENTS as E, SEQ_ADVANCING } from './events.js';

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
 * @param {{chats, messages, sessions, connection}} deps.stores
 */
export function createRouter({ stores }) {
  const { chats, messages, sessions, connection } = stores;
  let refetching = null;
  let refetchAgain = false;
  let reconnected = false;
  let gapTimer = null;

  function refetchAfterGap() {
    if (gapTimer) return;
    gapTimer = setTimeout(() => {
      gapTimer = null;
      refetch('gap');
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
    [E.CHAT_UPDATED]: ({ chat }) => chats.applyChatUpdated(chat),
    // The row itself comes with the chat.updated that follows; the views' counts move.
    [E.CHAT_STATUS]: () => chats.scheduleCounts(),
    [E.CHAT_ASSIGNED]: () => chats.scheduleCounts(),
    [E.CHAT_HIDDEN]: (frame) => chats.applyHidden(frame),
    [E.SESSION_STATUS]: ({ session }) => sessions.applySessionStatus(session),
    [E.PING]: () => {},
    [E.ERROR]: (frame) => {
      if (typeof console !== 'undefined') console.warn('inbox socket error frame', frame.code, frame.message);
    },
  };

  /**
   * Seq bookkeeping. Returns 'apply' or 'duplicate'; schedules a refetch on a gap.
   * hello/ping carry the current seq: a value above ours means we missed frames.
   */
  function trackSeq(frame) {
    const seq = frame.seq;
    if (typeof seq !== 'number') return 'apply';
    const last = connection.lastSeq;
    if (frame.type === E.HELLO) {
      // A (re)connect: always refetch (frames between our last one and this socket are gone);
      // the server's counter may also have restarted lower, so take its value as is.
      connection.lastSeq = seq;
      return 'apply';
    }
    if (!ADVANCING.has(frame.type)) {
      if (last != null && seq > last) {
        connection.lastSeq = seq;
        refetchAfterGap();
      }
      return 'apply';
    }
    if (last == null) {
      connection.lastSeq = seq;
      return 'apply';
    }
    if (seq <= last) return 'duplicate';
    connection.lastSeq = seq;
    if (seq > last + 1) refetchAfterGap();
    return 'apply';
  }

  /** Route one parsed frame. */
  function handleFrame(frame) {
    if (!frame || typeof frame.type !== 'string') return;
    if (trackSeq(frame) === 'duplicate') return;
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
        await Promise.allSettled(jobs);
      } while (refetchAgain);
    })().finally(() => {
      refetching = null;
    });
    return refetching;
  }

  /** A socket opened: after a drop, whatever happened meanwhile is only in the REST API. */
  function opened({ reconnected: again }) {
    reconnected = again;
    if (again) refetch('reconnect');
  }

  function stop() {
    clearTimeout(gapTimer);
    gapTimer = null;
  }

  return { handleFrame, refetch, opened, stop };
}
