// Test helpers: message and chat factories (the objects of docs/api.md), a deferred promise.
let nextId = 1000;
// A day ago: messages of the factories are in the past, as real ones are.
const BASE = Date.now() - 86400000;

export function makeMessage(overrides = {}) {
  const id = overrides.id ?? nextId++;
  return {
    id,
    contact_id: 12,
    direction: 'in',
    type: 'text',
    body: `message ${id}`,
    caption: '',
    media: null,
    location: null,
    contact_card: null,
    status: 'delivered',
    failure_reason: '',
    wa_message_id: `false_628@c.us_${id}`,
    client_id: null,
    reply_to: null,
    reactions: [],
    edited: false,
    edits: [],
    revoked: false,
    revoked_at: null,
    sent_by: null,
    session_id: 'ws_demo.1',
    timestamp: new Date(BASE + id * 1000).toISOString(),
    created_at: new Date(BASE + id * 1000).toISOString(),
    ...overrides,
  };
}

export function makeChat(overrides = {}) {
  const id = overrides.id ?? nextId++;
  return {
    id,
    wa_id: `62812${id}@c.us`,
    phone: `+62812${id}`,
    name: '',
    push_name: `Customer ${id}`,
    display_name: `Customer ${id}`,
    avatar_url: null,
    custom_fields: {},
    tags: [],
    unread_count: 0,
    last_message_at: '2026-11-25T10:00:00Z',
    last_message: null,
    assignee: null,
    status: 'open',
    snoozed_until: null,
    labels: [],
    session_id: 'ws_demo.1',
    created_at: '2026-11-01T00:00:00Z',
    ...overrides,
  };
}

export function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const flush = () => new Promise((r) => setTimeout(r, 0));
