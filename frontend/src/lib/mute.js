// Mutes used to be this browser's own (localStorage, per workspace); they are the server's now
// (stores/mutes.js). What a browser still holds is handed over once and forgotten.
import { readItem, writeItem } from './storage.js';

/** The contact ids muted in this browser for `workspace` (its slug); the entry is removed. */
export function takeLocalMutes(workspace, storage) {
  const key = `blazz.muted.${workspace || 'default'}`;
  let ids = [];
  try {
    ids = JSON.parse(readItem(key, storage) || '[]').map(Number).filter(Number.isInteger);
  } catch {
    /* a damaged entry: nothing to hand over */
  }
  if (ids.length) writeItem(key, '', storage);
  return ids;
}
