// Chats whose desktop notifications and chime are off, per workspace, kept in this browser
// (localStorage): muting is an agent's own choice on their own screen, like WhatsApp's.
import { reactive } from 'vue';
import { readItem, writeItem } from './storage.js';

const muted = reactive(new Set());
let key = 'blazz.muted.default';

/** Load the muted chats of `workspace` (its slug). */
export function loadMuted(workspace, storage) {
  key = `blazz.muted.${workspace || 'default'}`;
  muted.clear();
  try {
    for (const id of JSON.parse(readItem(key, storage) || '[]')) muted.add(Number(id));
  } catch {
    /* a damaged entry: nothing muted */
  }
}

export function isMuted(contactId) {
  return muted.has(Number(contactId));
}

export function setMuted(contactId, value, storage) {
  if (value) muted.add(Number(contactId));
  else muted.delete(Number(contactId));
  writeItem(key, muted.size ? JSON.stringify([...muted]) : '', storage);
}
