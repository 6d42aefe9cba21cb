// GET /health: unauthenticated (load balancers, Django's health check); reveals nothing secret.
// Any query string is allowed: probes add cache-busters (?_=123).
export default async function healthRoutes(app) {
  app.get('/health', {
    config: { public: true },
    schema: { querystring: { type: 'object', additionalProperties: true, properties: {} } },
  }, async () => {
    const { config, sessions, outbox, startedAt } = app.bridge;
    return {
      status: 'ok',
      node: config.nodeId,
      sessions: sessions.health(),
      outbox: outbox.health(),
      uptime_seconds: Math.round((Date.now() - startedAt) / 1000),
    };
  });
}
