// Where the "N unread messages" divider goes: before the oldest of the last N messages from the
// customer when the agent came to the chat. Fixed once found (messages that arrive while the chat
// is open are read at once and do not move it).
import { ref, toRaw, watch } from 'vue';

/**
 * @param {object} opts
 * @param {import('vue').Ref<object|null>} opts.thread the messages store's thread ({keys, loaded})
 * @param {object} opts.byKey the messages store's messages by key
 * @param {import('vue').Ref<number>} opts.count how many were unread
 * @returns {import('vue').Ref<string|null>} the key of the first unread message
 */
export function useUnreadDivider({ thread, byKey, count }) {
  const key = ref(null);
  watch(() => [count.value, thread.value?.loaded, thread.value?.keys], ([n, loaded, keys]) => {
    if (key.value || !n || !loaded || !keys) return;
    const raw = toRaw(byKey);
    let left = n;
    for (let i = keys.length - 1; i >= 0; i -= 1) {
      const m = raw[keys[i]];
      if (m && m.direction === 'in' && m.type !== 'system' && m.type !== 'note') {
        left -= 1;
        if (left === 0) {
          key.value = keys[i];
          return;
        }
      }
    }
  }, { immediate: true });
  return key;
}
