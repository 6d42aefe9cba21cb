// Sending and forwarding (at most once per client_id, see sends.js), reactions, and the agent's
// edit and delete-for-everyone of our own messages.
import { CONTACT, CHAT_ID, LOCATION, MEDIA_BODY_LIMIT, OK, WA_MESSAGE_ID, paramsWith, sessionParams } from './schemas.js';
import { SEND_TYPES } from '../messages.js';

const sendBody = {
  type: 'object',
  required: ['to', 'client_id'],
  additionalProperties: false,
  properties: {
    to: CHAT_ID,
    type: { type: 'string', enum: SEND_TYPES },
    body: { type: ['string', 'null'], maxLength: 65536 },
    caption: { type: ['string', 'null'], maxLength: 4096 },
    media: {
      type: ['object', 'null'],
      additionalProperties: false,
      properties: {
        url: { type: 'string', pattern: '^https?://', maxLength: 4096 },
        data: { type: 'string', minLength: 1 },
        mimetype: { type: 'string', minLength: 3, maxLength: 255 },
        filename: { type: ['string', 'null'], maxLength: 255 },
      },
      required: ['mimetype'],
    },
    location: LOCATION,
    contact: CONTACT,
    reply_to: { ...WA_MESSAGE_ID, type: ['string', 'null'] },
    client_id: { type: 'string', minLength: 1, maxLength: 100 },
    forward_of: WA_MESSAGE_ID,
  },
};

const messageParams = paramsWith({ wa_message_id: WA_MESSAGE_ID });

export default async function messageRoutes(app) {
  const { sessions, sends } = app.bridge;

  app.post('/sessions/:id/messages', { bodyLimit: MEDIA_BODY_LIMIT, schema: { params: sessionParams, body: sendBody } }, async (request, reply) => {
    const { statusCode, body } = await sends.send(sessions.get(request.params.id), request.body);
    return reply.code(statusCode).send(body);
  });

  app.post('/sessions/:id/messages/:wa_message_id/edit', {
    schema: { params: messageParams, body: { type: 'object', required: ['body'], additionalProperties: false, properties: { body: { type: 'string', minLength: 1, maxLength: 65536 } } } },
  }, async (request) => sessions.get(request.params.id).editMessage(request.params.wa_message_id, request.body.body));

  app.delete('/sessions/:id/messages/:wa_message_id', { schema: { params: messageParams } },
    async (request) => sessions.get(request.params.id).revokeMessage(request.params.wa_message_id));

  app.post('/sessions/:id/messages/:wa_message_id/reactions', {
    schema: {
      params: messageParams,
      body: { type: 'object', required: ['emoji'], additionalProperties: false, properties: { emoji: { type: 'string', maxLength: 32 } } },
    },
  }, async (request) => {
    await sessions.get(request.params.id).react(request.params.wa_message_id, request.body.emoji);
    return OK;
  });
}
