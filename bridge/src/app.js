// Build the fastify app (no listen): server.js listens, tests call app.inject().
import Fastify, { LogController } from 'fastify';
import { BridgeError, ErrorCode, invalidRequest, unauthorized } from './errors.js';
import { tokenMatches } from './lib/auth.js';
import healthRoutes from './routes/health.js';
import sessionRoutes from './routes/sessions.js';
import messageRoutes from './routes/messages.js';
import chatRoutes from './routes/chats.js';
import mediaRoutes from './routes/media.js';
import sandboxRoutes from './routes/sandbox.js';
import outboxRoutes from './routes/outbox.js';

/** Ajv errors -> {"media.url": "must be string", ...} */
function validationFields(errors, context) {
  const fields = {};
  for (const e of errors) {
    let where = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required') where = [where, e.params.missingProperty].filter(Boolean).join('.');
    if (e.keyword === 'additionalProperties') where = [where, e.params.additionalProperty].filter(Boolean).join('.');
    const prefix = context === 'body' ? '' : `${context}.`;
    const key = `${prefix}${where}` || context;
    const message = e.keyword === 'additionalProperties' ? 'unknown field' : e.keyword === 'required' ? 'required' : e.message;
    if (!fields[key]) fields[key] = message;
  }
  return fields;
}

/**
 * @param {{config, sessions: import('./sessions.js').SessionManager, outbox, media, sends, metrics?, logger?}} deps
 */
export function buildApp({ config, sessions, outbox, media, sends, metrics = null, logger }) {
  const app = Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: { level: config.logLevel } }),
    // Routes that take media raise this per route; everything else stays small.
    bodyLimit: 1024 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false, useDefaults: true } },
    routerOptions: { maxParamLength: 300 },
    logController: new LogController({ disableRequestLogging: true }),
  });
  const startedAt = Date.now();
  app.decorate('bridge', { config, sessions, outbox, media, sends, metrics, startedAt });

  app.addHook('onRequest', async (request) => {
    if (request.routeOptions.config?.public) return;
    if (!tokenMatches(request.headers.authorization, config.token)) throw unauthorized();
  });

  // Fencing: a command for a session may carry X-Blazz-Epoch; lower than the session's is 409
  // stale_epoch (it was meant for an owner before a move), higher is recorded.
  app.addHook('preHandler', async (request) => {
    const raw = request.headers['x-blazz-epoch'];
    const id = request.params?.id;
    if (raw === undefined || !id || !sessions.sessions.has(id)) return;
    if (!/^[0-9]{1,15}$/.test(raw)) throw invalidRequest('X-Blazz-Epoch must be a non-negative integer', { 'headers.x-blazz-epoch': 'integer >= 0' });
    await sessions.checkEpoch(id, Number(raw));
  });

  // One line per request at debug; server errors at warn (bodies and tokens are never logged).
  app.addHook('onResponse', async (request, reply) => {
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (reply.statusCode >= 500) request.log.warn(line, 'request failed');
    else request.log.debug(line, 'request');
  });

  app.setErrorHandler((err, request, reply) => {
    if (err.validation) {
      const body = invalidRequest(`invalid ${err.validationContext}`, validationFields(err.validation, err.validationContext)).toBody();
      return reply.code(400).send(body);
    }
    if (err instanceof BridgeError) {
      if (err.statusCode >= 500) request.log.warn({ err }, err.message);
      return reply.code(err.statusCode).send(err.toBody());
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply.code(413).send(new BridgeError(ErrorCode.PAYLOAD_TOO_LARGE, 'request body too large').toBody());
    }
    if (err.statusCode >= 400 && err.statusCode < 500) {
      // Fastify's own client errors: bad JSON, wrong content type, empty body...
      return reply.code(err.statusCode).send(invalidRequest(err.message).toBody());
    }
    request.log.error({ err }, 'unhandled error');
    return reply.code(500).send(new BridgeError(ErrorCode.INTERNAL, 'internal error').toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(new BridgeError(ErrorCode.NOT_FOUND, `no route ${request.method} ${request.url.split('?')[0]}`).toBody());
  });

  app.register(healthRoutes);
  app.register(sessionRoutes);
  app.register(messageRoutes);
  app.register(chatRoutes);
  app.register(mediaRoutes);
  app.register(sandboxRoutes);
  app.register(outboxRoutes);
  return app;
}
