// Dead letters: events Django rejected for good (docs/bridge.md, "Outbox guarantees"). An operator
// lists them and, after fixing Django, queues one again (same webhook-id, end of its session's queue).
import { SESSION_ID } from './schemas.js';

const WEBHOOK_ID = { type: 'string', pattern: '^evt_[0-9A-Z]{26}$' };

// Query values are strings (no type coercion in this app): limit is 1..500 spelled as digits.
const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    limit: { type: 'string', pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', default: '100' },
    after: WEBHOOK_ID,
    session_id: SESSION_ID,
  },
};

export default async function outboxRoutes(app) {
  const { outbox } = app.bridge;

  app.get('/outbox/dead', { schema: { querystring: listQuery } },
    async ({ query }) => outbox.deadLetters({ limit: Number(query.limit), after: query.after ?? null, sessionId: query.session_id ?? null }));

  app.post('/outbox/dead/:id/retry', { schema: { params: { type: 'object', required: ['id'], properties: { id: WEBHOOK_ID } } } },
    async (request) => outbox.retryDead(request.params.id));
}
