// Per-chat drafts kept in localStorage, restored when the chat is opened again (or the page
// reloads). Written on every change: a draft must survive an immediate reload.
import { ref, watch, unref } from 'vue';
import { readItem, writeItem } from '../lib/storage.js';

const PREFIX = 'blazz:draft:';

export function draftKey(scope, contactId) {
  return `${PREFIX}${scope || 'default'}:${contactId}`;
}

export function readDraft(scope, contactId, storage) {
  return readItem(draftKey(scope, contactId), storage) || '';
}

export function writeDraft(scope, contactId, text, storage) {
  writeItem(draftKey(scope, contactId), text, storage); // drafts are best effort (lib/storage.js)
}

/**
 * @param {import('vue').Ref<number|null>} contactId the open chat
 * @param {{scope?: string|import('vue').Ref<string>, storage?: Storage}} [opts] scope: the workspace slug
 * @returns {{text: import('vue').Ref<string>, clear: () => void}}
 */
export function useDraft(contactId, { scope = 'default', storage } = {}) {
  const text = ref('');
  let loading = false;

  // The scope (workspace) may arrive after the chat (GET /me/ still in flight): re-read then,
  // unless something was typed meanwhile: that text moves to the new scope (it was written under
  // the old one) instead of being replaced by what the new scope holds.
  watch(
    () => [unref(contactId), unref(scope)],
    ([id, sc], before) => {
      const [beforeId, beforeScope] = before || [];
      if (before && id != null && id === beforeId && sc !== beforeScope && text.value) {
        writeDraft(beforeScope, id, '', storage);
        writeDraft(sc, id, text.value, storage);
        return;
      }
      loading = true;
      text.value = id == null ? '' : readDraft(sc, id, storage);
      loading = false;
    },
    { immediate: true, flush: 'sync' },
  );

  watch(
    text,
    (value) => {
      const id = unref(contactId);
      if (loading || id == null) return;
      writeDraft(unref(scope), id, value, storage);
    },
    { flush: 'sync' },
  );

  function clear() {
    text.value = '';
  }

  return { text, clear };
}
