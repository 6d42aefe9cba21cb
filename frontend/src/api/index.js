// Every endpoint of docs/api.md the SPA uses, one function each. Stores call these.
import { get, post, patch, del, upload, request } from './http.js';

export const api = {
  me: () => get('/me/'),
  setMyPreferences: (changes) => patch('/me/preferences/', changes),
  setWorkspacePreferences: (changes) => patch('/workspace/preferences/', changes),

  chats: ({ q, cursor, filters } = {}) => (cursor ? get(cursor) : get('/chats/', { query: { q, ...chatQuery(filters) } })),
  chatCounts: (filters) => get('/chats/counts/', { query: chatQuery(filters) }),
  updateChat: (contactId, changes) => patch(`/chats/${contactId}/`, changes),
  labels: () => get('/labels/'),
  createLabel: (body) => post('/labels/', body),
  deleteLabel: (id) => del(`/labels/${id}/`),
  updateLabel: (id, changes) => patch(`/labels/${id}/`, changes),
  updateCannedReply: (id, changes) => patch(`/canned-replies/${id}/`, changes),
  deleteCannedReply: (id) => del(`/canned-replies/${id}/`),
  customFields: () => get('/custom-fields/'),
  saveCustomField: (body, id) => (id ? patch(`/custom-fields/${id}/`, body) : post('/custom-fields/', body)),
  deleteCustomField: (id) => del(`/custom-fields/${id}/`),
  contactActivity: (id) => get(`/contacts/${id}/activity/`),
  updateMe: (changes) => patch('/me/', changes),
  cannedReplies: (q) => get('/canned-replies/', { query: { q } }),
  renderCannedReply: (id, contactId) => get(`/canned-replies/${id}/render/`, { query: { contact_id: contactId } }),
  createCannedReply: (body) => post('/canned-replies/', body),
  inboxSettings: () => get('/inbox-settings/'),
  updateInboxSettings: (changes) => patch('/inbox-settings/', changes),
  contacts: ({ q, cursor } = {}) => (cursor ? get(cursor) : get('/contacts/', { query: { q } })),
  contact: (id) => get(`/contacts/${id}/`),
  createContact: ({ phone, name }) => post('/contacts/', name ? { phone, name } : { phone }),
  updateContact: (id, changes) => patch(`/contacts/${id}/`, changes),
  markRead: (contactId) => post(`/contacts/${contactId}/read/`),
  mutes: () => get('/mutes/'),
  mute: (contactId, until = null) => request('PUT', `/contacts/${contactId}/mute/`, { body: { until } }),
  unmute: (contactId) => del(`/contacts/${contactId}/mute/`),
  exportUrl: (contactId, format) => `/api/v1/contacts/${contactId}/export/?format=${encodeURIComponent(format)}`,

  messages: (contactId, { cursor, pageSize } = {}) =>
    cursor ? get(cursor) : get(`/contacts/${contactId}/messages/`, { query: { page_size: pageSize } }),
  messagesAround: (contactId, messageId, { pageSize } = {}) =>
    get(`/contacts/${contactId}/messages/`, { query: { around: messageId, page_size: pageSize } }),
  forwardMessage: (messageId, contactId, clientId) => post(`/messages/${messageId}/forward/`, { contact_id: contactId, client_id: clientId }),
  sendMessage: (contactId, body) => post(`/contacts/${contactId}/messages/`, body),
  retryMessage: (messageId) => post(`/messages/${messageId}/retry/`),
  editMessage: (messageId, body) => patch(`/messages/${messageId}/`, { body }),
  deleteMessage: (messageId) => del(`/messages/${messageId}/`),
  react: (messageId, emoji) => post(`/messages/${messageId}/reactions/`, { emoji }),
  searchMessages: ({ q, cursor, contactId } = {}) => (cursor ? get(cursor) : get('/messages/search/', { query: { q, contact_id: contactId } })),

  uploadMedia: (file, opts) => upload('/media/', file, opts),

  sessions: () => get('/sessions/'),
  session: (id) => get(`/sessions/${encodeURIComponent(id)}/`),
  createSession: ({ engine, name }) => post('/sessions/', name ? { engine, name } : { engine }),
  logoutSession: (id) => del(`/sessions/${encodeURIComponent(id)}/`),
  requestPairingCode: (id, phone) => post(`/sessions/${encodeURIComponent(id)}/pairing-code/`, { phone }),

  members: () => get('/members/'),
  addMember: (body) => post('/members/', body),
  removeMember: (id) => del(`/members/${id}/`),
  invitations: () => get('/invitations/'),
  revokeInvitation: (id) => del(`/invitations/${id}/`),
  apiKeys: () => get('/api-keys/'),
  createApiKey: (name, scopes) => post('/api-keys/', { name, scopes }),
  revokeApiKey: (id) => del(`/api-keys/${id}/`),

  // Automation (docs/automation.md)
  templates: () => get('/templates/'),
  saveTemplate: (body, id) => (id ? patch(`/templates/${id}/`, body) : post('/templates/', body)),
  deleteTemplate: (id) => del(`/templates/${id}/`),
  previewTemplate: (id, body) => post(`/templates/${id}/preview/`, body),
  businessHours: () => get('/business-hours/'),
  saveBusinessHours: (body) => request('PUT', '/business-hours/', { body }),
  autoReplies: () => get('/auto-replies/'),
  saveAutoReply: (body, id) => (id ? patch(`/auto-replies/${id}/`, body) : post('/auto-replies/', body)),
  deleteAutoReply: (id) => del(`/auto-replies/${id}/`),
  testAutoReplies: (text, contactId = null) => post('/auto-replies/test/', contactId ? { text, contact_id: contactId } : { text }),
  broadcasts: () => get('/broadcasts/'),
  createBroadcast: (body) => post('/broadcasts/', body),
  broadcastAction: (id, action, body = {}) => post(`/broadcasts/${id}/${action}/`, body),
  automationSettings: () => get('/automation-settings/'),
  saveAutomationSettings: (body) => request('PUT', '/automation-settings/', { body }),
  sendLimits: (sessionId) => get(`/sessions/${encodeURIComponent(sessionId)}/send-limits/`),
  saveSendLimits: (sessionId, body) => request('PUT', `/sessions/${encodeURIComponent(sessionId)}/send-limits/`, { body }),
  scheduleMessage: (contactId, body) => post(`/contacts/${contactId}/messages/`, body),
  scheduled: (contactId) => get(`/contacts/${contactId}/scheduled/`),
  updateScheduled: (id, body) => patch(`/scheduled-messages/${id}/`, body),
  cancelScheduled: (id) => del(`/scheduled-messages/${id}/`),

  webhooks: () => get('/webhooks/'),
  createWebhook: (body) => post('/webhooks/', body),
  updateWebhook: (id, body) => patch(`/webhooks/${id}/`, body),
  deleteWebhook: (id) => del(`/webhooks/${id}/`),
  webhookSecret: (id) => get(`/webhooks/${id}/secret/`),
  rotateWebhookSecret: (id) => post(`/webhooks/${id}/rotate-secret/`),
  testWebhook: (id) => post(`/webhooks/${id}/test/`),
  webhookDeliveries: (id, status) => get(`/webhooks/${id}/deliveries/`, { query: { status } }),
  replayDelivery: (id) => post(`/webhook-deliveries/${id}/replay/`),
};

/** The chat list's view (stores/chats.js `filters`) as the query of GET /chats/ and /chats/counts/. */
export function chatQuery(filters) {
  if (!filters) return {};
  const query = {};
  if (filters.assignee && filters.assignee !== 'all') query.assignee = filters.assignee;
  if (filters.status) query.status = filters.status;
  if (filters.label) query.label = filters.label;
  if (filters.session_id) query.session_id = filters.session_id;
  return query;
}

/** Lists answer either a page `{next, previous, results}` or a bare array: accept both. */
export function pageOf(answer) {
  if (Array.isArray(answer)) return { next: null, previous: null, results: answer };
  return { next: answer?.next ?? null, previous: answer?.previous ?? null, results: answer?.results ?? [] };
}
