// Read receipts and the agent's typing state: direct calls with a short timeout on Django's side.
import { CHAT_ID, OK, TYPING_STATE, paramsWith } from './schemas.js';
import { normalizeChatId } from '../lib/chatid.js';

const params = paramsWith({ chat: CHAT_ID });

export default async function chatRoutes(app) {
  const { sessions } = app.bridge;

  app.post('/sessions/:id/chats/:chat/seen', { schema: { params } }, async (request) => {
    await sessions.get(request.params.id).sendSeen(normalizeChatId(request.params.chat));
    return OK;
  });

  app.post('/sessions/:id/chats/:chat/typing', {
    schema: { params, body: { type: 'object', required: ['state'], additionalProperties: false, properties: { state: TYPING_STATE } } },
  }, async (request) => {
    await sessions.get(request.params.id).sendTyping(normalizeChatId(request.params.chat), request.body.state);
    return OK;
  });
}
