// Catch-up and history import (BRIDGE_HISTORY_SYNC=true), at every `ready`:
// - a newly linked number imports its recent history: the BRIDGE_HISTORY_CHATS most recent chats,
//   BRIDGE_HISTORY_MESSAGES messages each (Chat.fetchMessages);
// - a number that was linked before catches up: the chats active since the last sync (at most
//   BRIDGE_HISTORY_CHATS), their last BRIDGE_HISTORY_MESSAGES messages.
// Messages the bridge emitted already (its wa index) are skipped; the others go as
// message.received / message.created with history: true (Django stores them without notifying or
// auto-replying), oldest first per chat; then chat.unread with the phone's unread count for each
// chat that had any. History media is not downloaded (media.id null, metadata only).
import { events } from '../../contract/index.js';
import { withTimeout } from '../../lib/async.js';
import { messageData, messageType } from './mapping.js';

const FETCH_TIMEOUT_MS = 60_000;
const SLACK_SECONDS = 120; // clocks and in-flight events around the last sync

export class HistorySync {
  /** @param {import('./engine.js').WebjsEngine} engine */
  constructor(engine) {
    this.engine = engine;
    this.running = null;
  }

  async sync(client) {
    const { history } = this.engine.ctx.config;
    if (!history.sync || this.running) return null;
    this.running = this.#run(client, history).finally(() => { this.running = null; });
    return this.running;
  }

  async #run(client, { chats: maxChats, messages: perChat }) {
    const { engine } = this;
    const { ctx } = engine;
    const since = engine.state.history_synced_at ?? null; // null: never synced (a new link)
    const startedAt = Math.floor(Date.now() / 1000);
    const all = await withTimeout(client.getChats(), FETCH_TIMEOUT_MS, () => new Error('getChats timed out'));
    const chats = all
      .filter((chat) => chat?.id?._serialized && chat.id._serialized !== 'status@broadcast')
      .filter((chat) => since === null || (chat.timestamp ?? 0) >= since - SLACK_SECONDS)
      .sort((a, b) => (b.timestamp ?? 0) - (a.timestamp ?? 0))
      .slice(0, maxChats);
    let emitted = 0;
    for (const chat of chats) {
      if (engine.client !== client) return emitted; // stopped or reconnected meanwhile
      const messages = await withTimeout(chat.fetchMessages({ limit: perChat }), FETCH_TIMEOUT_MS, () => new Error('fetchMessages timed out'));
      let fresh = 0;
      for (const msg of [...messages].sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0))) {
        const waId = msg.id?._serialized;
        if (!waId || ctx.emitted(waId) || !messageType(msg)) continue;
        const data = messageData(msg, { me: engine.me, clientId: msg.fromMe ? ctx.clientIdFor(waId) : null });
        if (!data) continue;
        const identity = await engine.identities.fieldsFor(client, data.chat_id);
        await ctx.emit(...(msg.fromMe ? events.messageCreated : events.messageReceived)({ ...data, ...identity, history: true }));
        fresh++;
      }
      if (fresh) await ctx.emit(...events.chatUnread({ chat_id: chat.id._serialized, unread_count: Math.max(0, chat.unreadCount ?? 0) }));
      emitted += fresh;
    }
    await ctx.saveState({ history_synced_at: startedAt });
    engine.state.history_synced_at = startedAt;
    ctx.log.info({ chats: chats.length, emitted, first_link: since === null }, 'history sync done');
    return emitted;
  }
}
