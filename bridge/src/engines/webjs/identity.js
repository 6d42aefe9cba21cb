// LID identities, best effort: WhatsApp addresses some customers by a LID (<digits>@lid) instead
// of their phone id (<digits>@c.us). whatsapp-web.js 1.34 maps one to the other with
// client.getContactLidAndPhone([id]) -> [{lid, pn}]. The first message of a person's chat asks once
// (cached, bounded); the message events then carry chat_lid / chat_phone_id, and a newly learnt
// mapping is announced as contact.identity. Groups and unknown ids get nothing.
import { events } from '../../contract/index.js';
import { withTimeout } from '../../lib/async.js';

const LOOKUP_TIMEOUT_MS = 5000;
const MEMORY = 5000; // chats whose mapping (or its absence) is remembered

const LID = /^[0-9]{1,31}@lid$/;
const PHONE = /^[0-9]{1,31}@c\.us$/;

export class Identities {
  /** @param {import('./engine.js').WebjsEngine} engine */
  constructor(engine) {
    this.engine = engine;
    this.known = new Map(); // chat id -> {lid, phone} (either may be null)
  }

  /** {chat_lid?, chat_phone_id?} for a message of `chatId`; never throws. */
  async fieldsFor(client, chatId) {
    if (!LID.test(chatId ?? '') && !PHONE.test(chatId ?? '')) return {};
    let mapping = this.known.get(chatId);
    if (!mapping) {
      mapping = await this.#lookup(client, chatId);
      this.#remember(chatId, mapping);
      if (mapping.lid && mapping.phone) {
        this.#remember(mapping.lid, mapping);
        this.#remember(mapping.phone, mapping);
        await this.engine.ctx.emit(...events.contactIdentity({ lid: mapping.lid, phone_id: mapping.phone }));
      }
    }
    const out = {};
    if (mapping.lid) out.chat_lid = mapping.lid;
    if (mapping.phone) out.chat_phone_id = mapping.phone;
    return out;
  }

  #remember(id, mapping) {
    this.known.set(id, mapping);
    if (this.known.size > MEMORY) this.known.delete(this.known.keys().next().value);
  }

  async #lookup(client, chatId) {
    const fallback = LID.test(chatId) ? { lid: chatId, phone: null } : { lid: null, phone: chatId };
    if (typeof client.getContactLidAndPhone !== 'function') return fallback;
    try {
      const [found] = await withTimeout(client.getContactLidAndPhone([chatId]), LOOKUP_TIMEOUT_MS, () => new Error('LID lookup timed out'));
      const lid = LID.test(found?.lid ?? '') ? found.lid : fallback.lid;
      const phone = PHONE.test(found?.pn ?? '') ? found.pn : fallback.phone;
      return { lid, phone };
    } catch (err) {
      this.engine.ctx.log.debug({ err: err.message, chat_id: chatId }, 'LID lookup failed');
      return fallback;
    }
  }
}
