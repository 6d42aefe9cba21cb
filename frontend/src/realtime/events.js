// The WebSocket frame types of docs/api.md ("Real-time: /ws/inbox/"). Nothing else in the SPA
// spells an event name: the realtime router, the stores and the tests import them from here, and
// tests/unit/realtime/events.test.js checks this list against docs/api.md. The names themselves are
// generated from the server's catalogue (src/generated/contract.js, `manage.py export_contract`).

export { SERVER_EVENTS, SEQ_ADVANCING, CLIENT_FRAMES, TYPING_STATES, INBOX_SOCKET_PATH } from '../generated/contract.js';
