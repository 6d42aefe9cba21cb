// A fake whatsapp-web.js Client for the webjs engine tests: an EventEmitter that behaves like the
// real one (message_create and the first ack fire before sendMessage resolves; Message actions
// echo as the page does), over real whatsapp-web.js Message objects.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
export const Message = require('whatsapp-web.js/src/structures/Message.js');

export const ME = '6289912345678@c.us';
export const CUSTOMER = '6281234567890@c.us';
let counter = 0;

export function rawMessage({ fromMe, body = 'hi', type = 'chat', extra = {}, remote = CUSTOMER }) {
  const id = `3EB0${String(++counter).padStart(18, '0')}`;
  return {
    id: { fromMe, remote, id, _serialized: `${fromMe}_${remote}_${id}` },
    body, type, t: 1732500000 + counter,
    from: fromMe ? ME : remote, to: fromMe ? remote : ME,
    notifyName: fromMe ? undefined : 'Budi', ...extra,
  };
}

export class FakeClient extends EventEmitter {
  constructor() {
    super();
    this.calls = [];
    this.failNextSend = false;
  }
  async initialize() {
    this.initialized = true; // where the real client launches Chromium
    setImmediate(() => this.emit('qr', '2@fake-qr,abc=,def='));
  }
  async destroy() { this.calls.push(['destroy']); }
  async logout() { this.calls.push(['logout']); }
  async getNumberId(n) { return n === '6280000000000' ? null : { _serialized: `${n}@c.us` }; }
  async sendMessage(to, content, options) {
    this.calls.push(['sendMessage', to, typeof content === 'string' ? content : content.constructor.name, options]);
    if (typeof content !== 'string') (this.sentMedia ??= []).push(content);
    if (this.failNextSend) { this.failNextSend = false; throw new Error('Evaluation failed: t: t'); }
    const msg = this.remember(new Message(null, rawMessage({ fromMe: true, body: typeof content === 'string' ? content : '', extra: { t: Math.floor(Date.now() / 1000) } })));
    // As in WhatsApp Web: the message is created and acked before the send promise resolves.
    this.emit('message_create', msg);
    this.emit('message_ack', msg, 1);
    await new Promise((r) => setTimeout(r, 10));
    return msg;
  }
  async sendSeen(chatId) { this.calls.push(['sendSeen', chatId]); return true; }
  // Messages this client knows, with the behaviour of whatsapp-web.js 1.34's Message actions:
  // edit resolves to the edited message and the page echoes message_edit; delete(true) echoes
  // message_revoke_everyone; forward resolves to nothing and the new message comes as message_create.
  remember(msg) {
    this.known ??= new Map();
    this.known.set(msg.id._serialized, msg);
    const client = this;
    msg.edit = async function edit(body) {
      client.calls.push(['edit', this.id._serialized, body]);
      const prev = this.body;
      this.body = body;
      client.emit('message_edit', this, body, prev);
      return this;
    };
    msg.delete = async function del(everyone) {
      client.calls.push(['delete', this.id._serialized, everyone]);
      const original = new Message(null, { ...this._data });
      this.type = 'revoked';
      client.emit('message_revoke_everyone', this, original);
    };
    msg.forward = async function forward(chatId) {
      client.calls.push(['forward', this.id._serialized, chatId]);
      const copy = client.remember(new Message(null, rawMessage({ fromMe: true, body: this.body, remote: chatId, extra: { isForwarded: true, t: Math.floor(Date.now() / 1000) } })));
      client.emit('message_create', copy);
      client.emit('message_ack', copy, 1);
    };
    return msg;
  }
  async getMessageById(id) { return this.known?.get(id) ?? null; }
  async getChats() { return this.chats ?? []; }
  async getContactLidAndPhone(ids) {
    this.calls.push(['getContactLidAndPhone', ...ids]);
    return ids.map((id) => this.lids?.get(id) ?? {});
  }
  async getChatById(chatId) {
    return {
      sendStateTyping: async () => this.calls.push(['typing', chatId]),
      sendStateRecording: async () => this.calls.push(['recording', chatId]),
      clearState: async () => this.calls.push(['paused', chatId]),
    };
  }
  async sendReaction(id, emoji) { this.calls.push(['react', id, emoji]); }
  async requestPairingCode(phone) {
    // As whatsapp-web.js: the code is emitted as `code` and returned.
    this.emit('code', `CODE${phone.slice(-4)}`);
    return `CODE${phone.slice(-4)}`;
  }
  ready() {
    this.info = { wid: { user: '6289912345678', _serialized: ME } };
    this.emit('authenticated');
    this.emit('ready');
  }
}


/** A chat as client.getChats() gives it (whatsapp-web.js Chat): fetchMessages({limit}) returns its last messages. */
export function fakeChat(id, messages, { unreadCount = 0 } = {}) {
  return {
    id: { _serialized: id },
    timestamp: messages.at(-1)?.timestamp ?? 0,
    unreadCount,
    fetchMessages: async ({ limit }) => messages.slice(-limit),
  };
}
