// Sessions: create (idempotent per id + engine), read (status, QR), log out, restart, stop/start,
// release (a move to another node), pairing code.
import { SESSION_ID, sessionParams } from './schemas.js';

const createBody = {
  type: 'object',
  required: ['id', 'engine', 'workspace'],
  additionalProperties: false,
  properties: {
    id: SESSION_ID,
    engine: { type: 'string', enum: ['sandbox', 'webjs'] },
    workspace: { type: 'string', pattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' },
    options: { type: 'object' },
    epoch: { type: 'integer', minimum: 0, maximum: 1e15 },
  },
};

export default async function sessionRoutes(app) {
  const { sessions } = app.bridge;

  app.get('/sessions', { schema: {} }, async () => ({ sessions: sessions.list().map((s) => s.toJSON()) }));

  app.post('/sessions', { schema: { body: createBody } }, async (request, reply) => {
    const { created, session } = await sessions.create(request.body);
    return reply.code(created ? 201 : 200).send(session.toJSON());
  });

  app.get('/sessions/:id', { schema: { params: sessionParams } }, async (request) => sessions.get(request.params.id).toJSON());

  app.delete('/sessions/:id', { schema: { params: sessionParams } }, async (request) => (await sessions.remove(request.params.id)).toJSON());

  app.post('/sessions/:id/restart', { schema: { params: sessionParams } }, async (request) => (await sessions.restart(request.params.id)).toJSON());

  // Stop without logging out (kept stopped across restarts), and start again: a suspended workspace.
  app.post('/sessions/:id/stop', { schema: { params: sessionParams } }, async (request) => (await sessions.stopSession(request.params.id)).toJSON());

  app.post('/sessions/:id/start', { schema: { params: sessionParams } }, async (request) => (await sessions.startSession(request.params.id)).toJSON());

  // Django moves the session to another node: stop without logging out, forget it here. Idempotent.
  app.post('/sessions/:id/release', { schema: { params: sessionParams } }, async (request) => sessions.release(request.params.id));

  app.post('/sessions/:id/pairing-code', {
    schema: {
      params: sessionParams,
      body: { type: 'object', required: ['phone'], additionalProperties: false, properties: { phone: { type: 'string', pattern: '^\\+?[0-9]{5,20}$' } } },
    },
  }, async (request) => ({ code: await sessions.get(request.params.id).requestPairingCode(request.body.phone.replace(/^\+/, '')) }));
}
