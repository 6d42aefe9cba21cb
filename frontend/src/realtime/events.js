// The WebSocket frame types of docs/api.md ("Real-time: /ws/inbox/"). Nothing else in the SPA
// spells an event name: the realtime router, the stores and the tests import them from here, and
// tests/unit/events.test.js checks this list against docs/api.md.

/** Server -> client frame types. */
export const SERVER_EVENTS = Object.freeze({
  HELLO: 'hello',
  MESSAGE_NEW: 'message.new',
  MESSAGE_STATUS: 'message.status',
  MESSAGE_UPDATED: 'message.updated',
  MESSAGE_REACTION: 'message.reaction',
  MESSAGE_REVOKED: 'message.revoked',
  TYPING: 'typing',
  PRESENCE: 'presence',
  CHAT_UPDATED: 'chat.updated',
  SESSION_STATUS: 'session.status',
  PING: 'ping',
  ERROR: 'error',
});

/** Client -> server frame types. */
export const CLIENT_FRAMES = Object.freeze({
  SUBSCRIBE: 'subscribe',
  UNSUBSCRIBE: 'unsubscribe',
  TYPING: 'typing',
  READ: 'read',
});

/** Typing states, both directions. */
export const TYPING_STATES = Object.freeze({ TYPING: 'typing', RECORDING: 'recording', PAUSED: 'paused' });

/** The path of the inbox socket on the workspace host. */
export const INBOX_SOCKET_PATH = '/ws/inbox/';
