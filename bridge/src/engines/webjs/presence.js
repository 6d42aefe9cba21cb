// Typing and presence of customers, best effort: whatsapp-web.js emits neither, so we listen inside the
// WhatsApp Web page. The page's internal modules (WAWebPresenceCollection) are not a public API
// and change between WhatsApp Web versions: when they are missing, nothing is reported and the
// rest of the engine is unaffected. WhatsApp only reports presence for chats we subscribed to;
// the engine subscribes to a chat when a message from it arrives.
import { events } from '../../contract/index.js';
import { presenceEvents } from './mapping.js';

const PRESENCE_MEMORY = 5000; // chats whose last presence payload is kept (to report changes only)

export const PRESENCE_LISTENER = () => {
  if (window.blazzPresenceInstalled) return true;
  const mod = window.require && window.require('WAWebPresenceCollection');
  const collection = mod && (mod.PresenceCollection || mod.default);
  if (!collection || typeof collection.on !== 'function') return false;
  const report = (model) => {
    try {
      const id = model.id && (model.id._serialized || String(model.id));
      const chatstate = model.chatstate && model.chatstate.type;
      window.blazzOnPresence({ id, isOnline: model.isOnline, chatstate, t: model.chatstate && model.chatstate.t });
    } catch (e) { /* best effort */ }
  };
  const watch = (model) => {
    if (!model || model.__blazz) return;
    model.__blazz = true;
    model.on && model.on('change:isOnline', () => report(model));
    model.chatstate && model.chatstate.on && model.chatstate.on('change:type', () => report(model));
  };
  collection.on('add', watch);
  (collection.getModelsArray ? collection.getModelsArray() : collection.models || []).forEach(watch);
  window.blazzSubscribePresence = async (id) => {
    try {
      const widFactory = window.require('WAWebWidFactory');
      const wid = widFactory.createWid(id);
      const presence = collection.get(wid) || (await collection.find(wid));
      if (presence) {
        watch(presence);
        if (presence.subscribe) await presence.subscribe();
      }
    } catch (e) { /* best effort */ }
  };
  window.blazzPresenceInstalled = true;
  return true;
};

/** The engine's side of the listener: installs it at `ready`, subscribes chats, turns payloads into events. */
export class PresenceWatch {
  /** @param {import('./engine.js').WebjsEngine} engine */
  constructor(engine) {
    this.engine = engine;
    this.last = new Map(); // chat id -> the last payload seen for it
  }

  async install(client) {
    try {
      const page = client.pupPage;
      if (!(await page.evaluate(() => typeof window.blazzOnPresence === 'function'))) {
        await page.exposeFunction('blazzOnPresence', (payload) => this.#onPayload(payload));
      }
      await page.evaluate(PRESENCE_LISTENER);
    } catch (err) {
      this.engine.ctx.log.warn({ err: String(err?.message || err).split('\n')[0] }, 'presence listener not installed (typing and presence events unavailable)');
    }
  }

  /** WhatsApp reports presence only for chats we subscribed to: called when a message from one arrives. */
  subscribe(client, chatId) {
    if (!chatId?.endsWith('@c.us')) return;
    client.pupPage?.evaluate((id) => window.blazzSubscribePresence?.(id), chatId).catch(() => {});
  }

  #onPayload(payload) {
    const prev = this.last.get(payload?.id);
    const out = presenceEvents(payload, prev);
    if (payload?.id) this.last.set(payload.id, { ...prev, ...payload });
    if (this.last.size > PRESENCE_MEMORY) this.last.delete(this.last.keys().next().value);
    const { engine } = this;
    for (const [kind, data] of out) {
      engine.eventChain = engine.eventChain
        .then(() => engine.ctx.emit(...(kind === 'typing' ? events.chatTyping(data) : events.contactPresence(data))))
        .catch((err) => engine.ctx.log.error({ err }, 'presence event failed'));
    }
  }
}
