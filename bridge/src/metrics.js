// Prometheus metrics (prom-client), served at GET /metrics with `Authorization: Bearer
// $METRICS_TOKEN` (routes/health.js). One registry per bridge (tests run several in one process).
// Names are prefixed blazz_bridge_. What is on disk (outbox depth, dead letters, the count of events
// ever dead-lettered) is read from the store at scrape time, so it survives restarts.
import client from 'prom-client';
import { SESSION_STATUSES } from './contract/index.js';

const PREFIX = 'blazz_bridge_';

export class Metrics {
  /** @param {{sessions: {health(): object}, outbox: import('./outbox.js').Outbox, nodeId: string}} sources */
  constructor({ sessions, outbox, nodeId }) {
    const register = new client.Registry();
    register.setDefaultLabels({ node: nodeId });
    client.collectDefaultMetrics({ register, prefix: PREFIX });
    this.register = register;
    const gauge = (name, help, labelNames, collect) => new client.Gauge({ name: PREFIX + name, help, labelNames, registers: [register], collect });
    gauge('sessions', 'Sessions on this node by status', ['status'], function collect() {
      const { by_status: byStatus } = sessions.health();
      for (const status of SESSION_STATUSES) this.set({ status }, byStatus[status] ?? 0);
    });
    gauge('outbox_depth', 'Events waiting for delivery to Django', [], function collect() { this.set(outbox.depth); });
    gauge('outbox_oldest_age_seconds', 'Age of the oldest undelivered event', [], function collect() { this.set(outbox.health().oldest_age_seconds); });
    gauge('dead_letters', 'Events Django rejected for good, kept until retried', [], function collect() { this.set(outbox.deadCount); });
    gauge('dead_lettered_events', 'Events ever dead-lettered on this node (kept in the store across restarts)', [], function collect() { this.set(outbox.deadLetteredTotal()); });
    this.deliveries = new client.Counter({
      name: `${PREFIX}webhook_deliveries_total`, help: 'Webhook POSTs to Django by outcome', labelNames: ['outcome'], registers: [register],
    });
    this.deliverySeconds = new client.Histogram({
      name: `${PREFIX}webhook_delivery_seconds`, help: 'One webhook POST, request to answer', labelNames: ['outcome'], registers: [register],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
    });
    this.sends = new client.Counter({ name: `${PREFIX}sends_total`, help: 'POST /sessions/:id/messages by outcome', labelNames: ['outcome'], registers: [register] });
    this.events = new client.Counter({ name: `${PREFIX}events_total`, help: 'Events queued for Django by type', labelNames: ['type'], registers: [register] });
  }

  /** One webhook POST: outcome delivered (2xx), rejected (a dead-letter status), failed (anything else). */
  delivery(outcome, seconds, events = 1) {
    this.deliveries.inc({ outcome }, events);
    this.deliverySeconds.observe({ outcome }, seconds);
  }

  send(outcome) {
    this.sends.inc({ outcome });
  }

  event(type) {
    this.events.inc({ type });
  }

  async render() {
    return { contentType: this.register.contentType, body: await this.register.metrics() };
  }
}
