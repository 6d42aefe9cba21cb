// The life of one webjs session's whatsapp-web.js client: launch, watch, fail, retry, stop.
//
// starting -> (qr -> connected) | failed. initialize() is raced against our own timeout
// (BRIDGE_WEBJS_INIT_TIMEOUT_MS), and a watchdog fails the session when neither a QR nor "ready"
// arrives within the same bound after the page loaded. On failure Chromium is closed (and killed if
// it does not close), the session reports `failed` with the reason, and a new attempt starts after
// an exponential backoff (BRIDGE_WEBJS_RETRY_BASE_MS .. BRIDGE_WEBJS_RETRY_MAX_MS). A
// `disconnected` reconnects the same way; a LOGOUT ends in `logged_out` without retrying. Creating
// the client (the first call imports whatsapp-web.js and puppeteer) failing is handled like a
// failed initialize. A stop, restart or DELETE at any await of a launch ends that launch: no
// Chromium, no status of the old run afterwards.
import fs from 'node:fs';
import { SessionStatus, events } from '../../contract/index.js';
import { backoffDelay, withTimeout } from '../../lib/async.js';
import { statusForDisconnect, statusForState } from './mapping.js';
import { reapOrphanChromium } from './chromium.js';

const OP_TIMEOUT_MS = 15_000;
const DESTROY_TIMEOUT_MS = 10_000;

export const firstLine = (err) => String(err?.message || err).split('\n')[0].slice(0, 500);

export class ClientLifecycle {
  /** @param {import('./engine.js').WebjsEngine} engine */
  constructor(engine) {
    this.engine = engine;
    this.client = null;
    this.readyClient = null;
    this.attempt = 0;
    this.retryTimer = null;
    this.watchdog = null;
    this.stopped = true;
    // Bumped by every start and stop: a launch (or retry) of an earlier run finds it changed after
    // an await and gives up, so a stop or DELETE while createClient() loads never launches Chromium.
    this.run = 0;
  }

  get ctx() {
    return this.engine.ctx;
  }

  async start() {
    this.stopped = false;
    const run = ++this.run;
    await this.engine.setStatus(SessionStatus.STARTING, { reason: null });
    if (this.#stale(run)) return;
    // A kill -9 of a previous bridge leaves its Chromium behind: reap the one for this profile.
    reapOrphanChromium(this.engine.userDataDir, this.ctx.log);
    this.#launch(run).catch((err) => this.ctx.log.error({ err }, 'webjs launch crashed'));
  }

  /** Stopped, or stopped and started again, since `run` began. */
  #stale(run) {
    return this.stopped || this.run !== run;
  }

  async #launch(run) {
    if (this.#stale(run)) return;
    const { config } = this.ctx;
    let client;
    try {
      client = await this.engine.createClient();
    } catch (err) {
      // The first call imports whatsapp-web.js and puppeteer: a broken install fails here. Same as
      // a failed initialize: failed with the reason, then a new attempt after the backoff.
      if (!this.#stale(run)) await this.#down(run, `creating the WhatsApp client failed: ${firstLine(err)}`);
      return;
    }
    // Stopped while the client was created: Chromium starts in initialize(), so nothing to close.
    if (this.#stale(run)) return;
    this.client = client;
    this.#wire(client);
    this.#armWatchdog(client);
    const init = client.initialize();
    try {
      await withTimeout(init, config.webjs.initTimeoutMs, () => new Error(`WhatsApp Web did not load within ${config.webjs.initTimeoutMs} ms`));
      if (this.client !== client) await this.#destroy(client); // stopped while it loaded
    } catch (err) {
      // initialize() may still be running (a hung page load): when it settles, make sure its
      // browser goes too.
      init.catch(() => {}).finally(() => {
        if (this.client !== client) this.#destroy(client, { reap: false });
      });
      if (this.client === client) await this.#fail(client, `initialize failed: ${firstLine(err)}`);
    }
  }

  #armWatchdog(client) {
    clearTimeout(this.watchdog);
    this.watchdog = setTimeout(() => {
      const { status } = this.engine;
      if (this.client === client && status !== SessionStatus.QR && status !== SessionStatus.CONNECTED) {
        this.#fail(client, `no QR and no connection within ${this.ctx.config.webjs.initTimeoutMs} ms`);
      }
    }, this.ctx.config.webjs.initTimeoutMs + 1000);
  }

  /** Report `status` with the reason, close Chromium, and try again after a backoff. */
  async #fail(client, reason, status = SessionStatus.FAILED) {
    if (this.client !== client) return;
    const run = this.run;
    this.client = null;
    clearTimeout(this.watchdog);
    await this.#destroy(client);
    if (this.#stale(run)) return; // stopped (or logged out) while Chromium closed: report nothing
    await this.#down(run, reason, status);
  }

  /** No client running: report `status` with the reason, and try again after a backoff (unless logged out). */
  async #down(run, reason, status = SessionStatus.FAILED) {
    this.ctx.log.warn({ reason, attempt: this.attempt + 1 }, 'webjs session down');
    await this.engine.setStatus(status, { reason });
    if (this.#stale(run) || status === SessionStatus.LOGGED_OUT) return;
    const { retryBaseMs, retryMaxMs } = this.ctx.config.webjs;
    const delay = backoffDelay(this.attempt++, { minMs: retryBaseMs, maxMs: retryMaxMs });
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(async () => {
      if (this.#stale(run)) return;
      try {
        await this.engine.setStatus(SessionStatus.STARTING, { reason: null });
        await this.#launch(run);
      } catch (err) {
        this.ctx.log.error({ err }, 'webjs retry crashed');
      }
    }, delay);
  }

  /** Close the browser; kill the process when closing does not end it. Never throws. */
  async #destroy(client, { reap = true } = {}) {
    const proc = client.pupBrowser?.process?.();
    try {
      await withTimeout(client.destroy(), DESTROY_TIMEOUT_MS, () => new Error('destroy timed out'));
    } catch (err) {
      this.ctx.log.warn({ err: firstLine(err) }, 'closing Chromium failed; killing it');
    }
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      try {
        process.kill(-proc.pid, 'SIGKILL'); // puppeteer starts Chromium as a process group leader
      } catch {
        try { proc.kill('SIGKILL'); } catch { /* already gone */ }
      }
    }
    if (reap) reapOrphanChromium(this.engine.userDataDir, this.ctx.log);
  }

  /** No client any more, no retry pending; returns the client that was running (or null). */
  #halt() {
    this.stopped = true;
    this.run++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.watchdog);
    const client = this.client;
    this.client = null;
    return client;
  }

  async stop() {
    const client = this.#halt();
    if (client) await this.#destroy(client);
  }

  /** Log out of WhatsApp (when connected), close Chromium and remove the local credentials. */
  async logout() {
    const client = this.#halt();
    if (client && this.engine.status === SessionStatus.CONNECTED) {
      try {
        await withTimeout(client.logout(), OP_TIMEOUT_MS, () => new Error('logout timed out'));
      } catch (err) {
        this.ctx.log.warn({ err: firstLine(err) }, 'webjs logout failed; removing credentials locally');
      }
    }
    if (client) await this.#destroy(client);
    await fs.promises.rm(this.engine.userDataDir, { recursive: true, force: true }).catch(() => {});
  }

  // --- status events from whatsapp-web.js ------------------------------------------------------

  #wire(client) {
    const { engine } = this;
    const on = (name, fn) => client.on(name, engine.serial(name, (...args) => (this.client === client ? fn(...args) : undefined)));
    on('qr', async (qr) => {
      clearTimeout(this.watchdog);
      await engine.setQr(qr);
    });
    // A pairing code (requestPairingCode, renewed by whatsapp-web.js every 3 minutes while unpaired).
    on('code', async (code) => this.ctx.emit(...events.sessionPairingCode({ code })));
    // The QR was scanned (or the stored login accepted): the QR goes away while the chats load.
    on('authenticated', async () => {
      if (engine.status === SessionStatus.QR) await engine.setStatus(SessionStatus.STARTING, { reason: 'authenticated, loading chats' });
    });
    on('ready', async () => {
      clearTimeout(this.watchdog);
      this.attempt = 0;
      this.readyClient = client;
      await engine.onReady(client);
    });
    on('auth_failure', async (message) => this.#fail(client, `auth_failure: ${message}`));
    on('disconnected', async (reason) => {
      const status = statusForDisconnect(reason);
      if (status === SessionStatus.LOGGED_OUT) {
        await fs.promises.rm(engine.userDataDir, { recursive: true, force: true }).catch(() => {});
      }
      await this.#fail(client, `disconnected: ${reason}`, status);
    });
    on('change_state', async (state) => {
      this.ctx.log.info({ state }, 'WhatsApp state changed');
      const next = statusForState(state, { ready: this.readyClient === client });
      if (next) await engine.setStatus(next.status, { reason: next.reason });
    });
    engine.wireMessages(client, on);
  }
}
