// A newly linked number's past conversations (sandbox option `history: {chats, messages}`), the
// sandbox's version of whatsapp-web.js's history import: `chats` customers with `messages`
// messages each, alternating customer and shop, in the session's language, timestamped in the
// past, emitted as message.received / message.created with history: true, then chat.unread for
// each chat (the customer's messages after the shop's last answer).
import { events } from '../../contract/index.js';
import { pushBounded, nowSeconds } from './network.js';
import { HISTORY_LINES } from './phrases.js';

const EMIT_CHUNK = 500; // events put on disk together (lmdb-js commits concurrent writes in one transaction)
const SPACING_SECONDS = 60; // between two messages of one imported chat

/** The phone of the n-th imported chat: the configured customers first, then generated ones. */
function historyPhone(engine, n) {
  return engine.options.customers[n]?.phone ?? `62812${String(n).padStart(8, '0')}`;
}

export async function importHistory(engine, { chats, messages }) {
  const { network } = engine;
  const lines = HISTORY_LINES[engine.options.language];
  const start = nowSeconds() - chats * messages * SPACING_SECONDS - 3600;
  const pending = [];
  const unread = [];
  let t = start;
  for (let c = 0; c < chats; c++) {
    const phone = historyPhone(engine, c);
    const chatId = `${phone}@c.us`;
    const customer = network.customer(phone);
    let trailing = 0;
    for (let m = 0; m < messages; m++) {
      const fromCustomer = m % 2 === 0;
      const body = (fromCustomer ? lines.customer : lines.owner)[Math.floor(m / 2) % lines.customer.length];
      const waMessageId = network.newMessageId(!fromCustomer, chatId);
      const timestamp = (t += SPACING_SECONDS);
      const content = { type: 'text', body, caption: null, media: null };
      const data = {
        wa_message_id: waMessageId,
        chat_id: chatId,
        from: fromCustomer ? chatId : engine.ownId,
        from_name: fromCustomer ? customer.name : null,
        to: fromCustomer ? engine.ownId : chatId,
        ...content,
        reply_to: null,
        timestamp,
        client_id: null,
        history: true,
      };
      pending.push(fromCustomer ? events.messageReceived(data) : events.messageCreated(data));
      network.remember(waMessageId, { chat_id: chatId, from: data.from, fromMe: !fromCustomer, timestamp, content });
      const record = { wa_message_id: waMessageId, ...content, location: null, contact: null, reply_to: null, timestamp, edited: false, revoked: false, seq: network.nextSeq() };
      pushBounded(fromCustomer ? customer.sent : customer.received, fromCustomer ? record : { ...record, client_id: null, ack: 3, forwarded: false });
      trailing = fromCustomer ? trailing + 1 : 0;
      if (pending.length >= EMIT_CHUNK) await flush(engine, pending);
    }
    unread.push(events.chatUnread({ chat_id: chatId, unread_count: trailing }));
  }
  await flush(engine, pending);
  await flush(engine, unread);
  network.log('history', { chats, messages: chats * messages });
}

/** Queue the events in order: their seqs are taken at the call, their commits shared. */
async function flush(engine, pending) {
  const batch = pending.splice(0, pending.length);
  await Promise.all(batch.map((event) => engine.ctx.emit(...event)));
}
