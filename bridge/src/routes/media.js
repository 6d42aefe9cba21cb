// GET /sessions/:id/media/:media_id: the bytes a session received (or sent), downloaded once.
// DELETE: Django has its copy; idempotent, and it works for a session this node no longer holds.
import { paramsWith } from './schemas.js';

const params = paramsWith({ media_id: { type: 'string', pattern: '^med_[a-z0-9]{26}$' } });

export default async function mediaRoutes(app) {
  const { sessions, media } = app.bridge;

  app.get('/sessions/:id/media/:media_id', { schema: { params } }, async (request, reply) => {
    sessions.get(request.params.id);
    const { info, stream } = media.open(request.params.id, request.params.media_id);
    const ascii = info.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
    return reply
      .header('content-type', info.mimetype)
      .header('content-length', info.size)
      .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(info.filename)}`)
      .send(stream);
  });

  app.delete('/sessions/:id/media/:media_id', { schema: { params } },
    async (request) => ({ media_id: request.params.media_id, deleted: await media.remove(request.params.id, request.params.media_id) }));
}
