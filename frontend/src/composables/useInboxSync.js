// The inbox page's glue between the open chat and the realtime module: follow (subscribe to) the
// open contact, load its thread, and send the read receipt while the chat is open and the tab is
// visible with unread messages.
import { ref, watch, onScopeDispose, getCurrentScope } from 'vue';
import { useChatsStore } from '../stores/chats.js';
import { useMessagesStore } from '../stores/messages/index.js';
import { useRealtime } from '../realtime/index.js';

export function useInboxSync(openId) {
  const chats = useChatsStore();
  const messages = useMessagesStore();
  const realtime = useRealtime();
  // Where the unread started when the agent last came to the open chat ({id, n}): the thread
  // shows an "N unread messages" divider there (the read receipt clears the count at once).
  const unreadMark = ref({ id: null, n: 0 });
  const visible = ref(typeof document === 'undefined' ? true : document.visibilityState !== 'hidden');

  function onVisibility() {
    visible.value = document.visibilityState !== 'hidden';
  }
  if (typeof document !== 'undefined') {
    document.addEventListener('visibilitychange', onVisibility);
    if (getCurrentScope()) onScopeDispose(() => document.removeEventListener('visibilitychange', onVisibility));
  }

  if (!chats.loaded && !chats.loading) chats.fetchChats().catch(() => {});

  watch(
    openId,
    (id) => {
      chats.setOpen(id);
      realtime.subscribe(id);
      if (id != null) {
        chats.ensureChat(id).catch(() => {});
        messages.loadThread(id).catch(() => {});
      }
    },
    { immediate: true },
  );

  watch(
    () => [openId.value, openId.value != null ? chats.byId[openId.value]?.unread_count : 0, visible.value],
    ([id, unread, isVisible]) => {
      if (id != null && unread > 0 && isVisible) {
        unreadMark.value = { id, n: unread };
        realtime.sendRead(id);
      }
    },
    { immediate: true },
  );

  if (getCurrentScope()) {
    onScopeDispose(() => {
      realtime.subscribe(null);
      chats.setOpen(null);
    });
  }

  return { visible, unreadMark };
}
