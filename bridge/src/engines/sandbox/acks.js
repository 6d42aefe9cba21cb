// The acks a sandbox customer's phone sends for one of our messages: sent, delivered, read (and
// played for a voice note) after the session's ack_delays_ms, or -1 for a fail_numbers number.
import { Ack, events } from '../../contract/index.js';

export class AckSimulator {
  /** @param {import('./engine.js').SandboxEngine} engine */
  constructor(engine) {
    this.engine = engine;
  }

  /**
   * The acks due for one sent message. The schedule is kept in the store (ctx.kv `ack:<wa id>`,
   * with the index of the next tick), written in the same transaction as the event before it,
   * so that acks still due when the bridge stops are sent after it starts again: none lost, none
   * repeated.
   */
  schedule(phone, isVoice) {
    const d = this.engine.options.ack_delays_ms;
    const fails = this.engine.options.fail_numbers.includes(phone);
    const steps = fails
      ? [[d.sent, Ack.ERROR]]
      : [[d.sent, Ack.SERVER], [d.delivered, Ack.DEVICE], [d.read, Ack.READ], ...(isVoice ? [[d.played, Ack.PLAYED]] : [])];
    // Delays are measured from the send; a later tick never fires before an earlier one.
    let previous = 0;
    const schedule = steps.map(([at, ack]) => {
      previous = Math.max(previous, at);
      return [previous, ack];
    });
    return { phone, sent_at: Date.now(), schedule, next: 0 };
  }

  run(waMessageId, pending) {
    const customer = this.engine.network.customer(pending.phone);
    const run = this.engine.run;
    const step = (i) => {
      if (i >= pending.schedule.length || run !== this.engine.run) return;
      const [at, ack] = pending.schedule[i];
      this.engine.after(Math.max(0, pending.sent_at + at - Date.now()), async () => {
        // The simulated network state first, so an observer who saw the webhook sees it too.
        const received = customer.received.find((m) => m.wa_message_id === waMessageId);
        if (received) received.ack = ack;
        this.engine.network.log('ack', { wa_message_id: waMessageId, ack });
        const key = `ack:${waMessageId}`;
        const progress = i + 1 < pending.schedule.length ? ['put', key, { ...pending, next: i + 1 }] : ['remove', key];
        await this.engine.ctx.emit(...events.messageAck({ wa_message_id: waMessageId, ack }), { kv: [progress] });
        if (ack === Ack.READ && this.engine.options.auto_reply) this.engine.scheduleAutoReply(customer);
        step(i + 1);
      }, run);
    };
    step(pending.next);
  }

  /** After a restart: the acks that were still due when the bridge stopped. */
  resume() {
    for (const [key, pending] of this.engine.ctx.kv.entries()) {
      if (key.startsWith('ack:')) this.run(key.slice('ack:'.length), pending);
    }
  }
}
