// Sandbox control (act as the customers) and observation (what they saw). Sandbox sessions only:
// any other engine answers 422 not_supported_by_engine.
import { CHAT_ID, CONTACT, LOCATION, MEDIA_BODY_LIMIT, OK, TYPING_STATE, WA_MESSAGE_ID, paramsWith, sessionParams } from './schemas.js';

const INBOUND_TYPES = ['text', 'image', 'audio', 'voice', 'video', 'document', 'location', 'contact', 'sticker'];

const inboundBody = {
  type: 'object',
  required: ['from'],
  additionalProperties: false,
  properties: {
    from: CHAT_ID,
    name: { type: ['string', 'null'], maxLength: 256 },
    type: { type: 'string', enum: INBOUND_TYPES, default: 'text' },
    body: { type: ['string', 'null'], maxLength: 65536 },
    caption: { type: ['string', 'null'], maxLength: 4096 },
    media: {
      oneOf: [
        { type: 'string', pattern: '^sample:[a-z]+$' },
        {
          type: 'object',
          required: ['data', 'mimetype'],
          additionalProperties: false,
          properties: {
            data: { type: 'string', minLength: 1 },
            mimetype: { type: 'string', minLength: 3, maxLength: 255 },
            filename: { type: ['string', 'null'], maxLength: 255 },
          },
        },
        { type: 'null' },
      ],
    },
    reply_to: { ...WA_MESSAGE_ID, type: ['string', 'null'] },
    location: LOCATION,
    contact: CONTACT,
    forwarded: { type: 'boolean' },
  },
};

const body = (required, properties) => ({ type: 'object', required, additionalProperties: false, properties });

export default async function sandboxRoutes(app) {
  const { sessions } = app.bridge;
  const sandbox = (request) => sessions.sandboxControl(request.params.id);

  app.post('/sandbox/sessions/:id/inbound', { bodyLimit: MEDIA_BODY_LIMIT, schema: { params: sessionParams, body: inboundBody } },
    async (request) => sandbox(request).inbound(request.body));

  app.post('/sandbox/sessions/:id/typing', { schema: { params: sessionParams, body: body(['from', 'state'], { from: CHAT_ID, state: TYPING_STATE }) } },
    async (request) => { await sandbox(request).typing(request.body); return OK; });

  app.post('/sandbox/sessions/:id/presence', { schema: { params: sessionParams, body: body(['from', 'online'], { from: CHAT_ID, online: { type: 'boolean' } }) } },
    async (request) => { await sandbox(request).presence(request.body); return OK; });

  app.post('/sandbox/sessions/:id/reactions', {
    schema: { params: sessionParams, body: body(['from', 'wa_message_id', 'emoji'], { from: CHAT_ID, wa_message_id: WA_MESSAGE_ID, emoji: { type: 'string', maxLength: 32 } }) },
  }, async (request) => { await sandbox(request).customerReact(request.body); return OK; });

  app.post('/sandbox/sessions/:id/edit', {
    schema: { params: sessionParams, body: body(['from', 'wa_message_id', 'body'], { from: CHAT_ID, wa_message_id: WA_MESSAGE_ID, body: { type: 'string', minLength: 1, maxLength: 65536 } }) },
  }, async (request) => { await sandbox(request).edit(request.body); return OK; });

  app.post('/sandbox/sessions/:id/revoke', {
    schema: { params: sessionParams, body: body(['from', 'wa_message_id'], { from: CHAT_ID, wa_message_id: WA_MESSAGE_ID }) },
  }, async (request) => { await sandbox(request).revoke(request.body); return OK; });

  app.post('/sandbox/sessions/:id/phone-message', {
    schema: { params: sessionParams, body: body(['to', 'body'], { to: CHAT_ID, body: { type: 'string', minLength: 1, maxLength: 65536 } }) },
  }, async (request) => sandbox(request).phoneMessage(request.body));

  app.get('/sandbox/sessions/:id/customers/:phone', { schema: { params: paramsWith({ phone: CHAT_ID }) } },
    async (request) => sandbox(request).customerView(request.params.phone));

  // The session's link to WhatsApp drops and comes back: what customers send meanwhile arrives as history.
  app.post('/sandbox/sessions/:id/offline', { schema: { params: sessionParams } }, async (request) => sandbox(request).offline());

  app.post('/sandbox/sessions/:id/online', { schema: { params: sessionParams } }, async (request) => sandbox(request).online());

  app.post('/sandbox/sessions/:id/lid', {
    schema: { params: sessionParams, body: body(['from'], { from: CHAT_ID, lid: { type: 'string', pattern: '^[0-9]{8,20}$' }, announce: { type: 'boolean', default: false } }) },
  }, async (request) => sandbox(request).lid(request.body));

  app.get('/sandbox/sessions/:id/customers/:phone/messages', { schema: { params: paramsWith({ phone: CHAT_ID }) } },
    async (request) => sandbox(request).customerMessages(request.params.phone));

  app.get('/sandbox/sessions/:id/log', { schema: { params: sessionParams } }, async (request) => sandbox(request).networkLog());
}
