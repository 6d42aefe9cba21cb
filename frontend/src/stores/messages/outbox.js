// This tab's messages the server does not have yet, kept in localStorage until their POST is
// answered, so a reload (or a closed tab) does not make them vanish without a trace: the thread
// shows them again as failed, with what can still be done (Retry when their content is known,
// choose the file again, remove). Per origin, i.e. per workspace host; one key per contact.
// A file's bytes are not kept (an upload may be 64 MB): only its name, type and size, and the
// server's media id once it has uploaded.
import { readItem, writeItem } from '../../lib/storage.js';

const PREFIX = 'blazz:outbox:';
const KEPT_FIELDS = ['client_id', 'contact_id', 'direction', 'type', 'body', 'caption', 'reply_to', 'location', 'contact_card',
  'timestamp', 'created_at', 'sent_by', 'failure_reason'];

export function outboxKey(contactId) {
  return `${PREFIX}${contactId}`;
}

function entryOf(message) {
  const entry = {};
  for (const field of KEPT_FIELDS) if (message[field] !== undefined) entry[field] = message[field];
  const media = message.media;
  entry.media = media ? { id: media.id || null, filename: media.filename || '', mimetype: media.mimetype || '', size: media.size ?? null } : null;
  return entry;
}

/** @param {{storage?: Storage}} [opts] */
export function createOutbox({ storage } = {}) {
  function entries(contactId) {
    try {
      const list = JSON.parse(readItem(outboxKey(contactId), storage) || '[]');
      return Array.isArray(list) ? list.filter((e) => e && e.client_id) : [];
    } catch {
      return []; // not ours, or cut short
    }
  }

  function write(contactId, list) {
    writeItem(outboxKey(contactId), list.length ? JSON.stringify(list) : '', storage);
  }

  /** Keep (or update) a message of ours that the server does not have yet. */
  function keep(message) {
    if (!message?.client_id || message.contact_id == null) return;
    const list = entries(message.contact_id).filter((e) => e.client_id !== message.client_id);
    list.push(entryOf(message));
    write(message.contact_id, list);
  }

  /** The server has it (or the agent removed it): forget it. */
  function drop(contactId, clientId) {
    const list = entries(contactId);
    const rest = list.filter((e) => e.client_id !== clientId);
    if (rest.length !== list.length) write(contactId, rest);
  }

  return { keep, drop, entries };
}
