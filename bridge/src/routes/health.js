// GET /health: liveness for anyone (load balancers, process supervisors): {status: "ok"}. The
// detail (node, sessions by status, outbox) only with the bridge token or the metrics token.
// Any query string is allowed: probes add cache-busters (?_=123).
// GET /metrics: Prometheus text with `Authorization: Bearer $METRICS_TOKEN`; 404 when METRICS_TOKEN is unset.
import { tokenMatches } from '../lib/auth.js';
import { BridgeError, ErrorCode, unauthorized } from '../errors.js';

export default async function healthRoutes(app) {
  app.get('/health', {
    config: { public: true },
    schema: { querystring: { type: 'object', additionalProperties: true, properties: {} } },
  }, async (request) => {
    const { config, sessions, outbox, startedAt } = app.bridge;
    const auth = request.headers.authorization;
    const detail = tokenMatches(auth, config.token) || (config.metricsToken && tokenMatches(auth, config.metricsToken));
    if (!detail) return { status: 'ok' };
    return {
      status: 'ok',
      node: config.nodeId,
      sessions: sessions.health(),
      outbox: outbox.health(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    };
  });

  app.get('/metrics', { config: { public: true } }, async (request, reply) => {
    const { config, metrics } = app.bridge;
    if (!config.metricsToken || !metrics) throw new BridgeError(ErrorCode.METRICS_DISABLED, 'metrics are disabled (METRICS_TOKEN is unset)', { statusCode: 404 });
    if (!tokenMatches(request.headers.authorization, config.metricsToken)) throw unauthorized('missing or wrong metrics token');
    const { contentType, body } = await metrics.render();
    return reply.header('content-type', contentType).send(body);
  });
}
