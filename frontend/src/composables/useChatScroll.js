// Smart auto-scroll for a thread, on top of the windowed list: at the bottom, new messages scroll
// into view; scrolled up (reading history), they do not, and `newCount` counts them for the
// "N new messages" pill. Near the top it asks for older messages; the windowed list keeps the
// reader's row in place when they are prepended, so the view never jumps.
import { ref, watch } from 'vue';
import { useVirtualList } from './useVirtualList.js';

/**
 * @param {object} opts
 * @param {import('vue').Ref<HTMLElement|null>} opts.container
 * @param {import('vue').Ref<HTMLElement|null>} [opts.wrapper]
 * @param {import('vue').Ref<Array<{key: string, kind?: string}>>} opts.rows day separators and messages, oldest first
 * @param {(row: object) => boolean} [opts.isOwn] rows this tab just sent: always scrolled to
 * @param {() => void} [opts.onReachTop] called when the reader nears the top (load older)
 * @param {number} [opts.topThreshold] px from the top that triggers onReachTop
 */
export function useChatScroll({ container, wrapper, rows, isOwn = () => false, onReachTop = null, topThreshold = 400, estimate = 72, bottomThreshold = 48 }) {
  const list = useVirtualList({
    container,
    wrapper,
    items: rows,
    estimate,
    stickToBottom: true,
    bottomThreshold,
    anchorable: (row) => row.kind === undefined || row.kind === 'msg',
  });
  const newCount = ref(0);
  let lastKey = null;

  // Only message rows count: day separators and the typing indicator come and go on their own.
  const isMessage = (row) => row.kind === undefined || row.kind === 'msg';
  function lastMessageKey(list) {
    for (let i = list.length - 1; i >= 0; i -= 1) if (isMessage(list[i])) return list[i].key;
    return null;
  }

  lastKey = lastMessageKey(rows.value || []);

  watch(
    rows,
    (now) => {
      const previous = lastKey;
      lastKey = lastMessageKey(now);
      if (previous == null || lastKey === previous) return;
      const appended = [];
      let i = now.length - 1;
      while (i >= 0 && now[i].key !== previous) {
        if (isMessage(now[i])) appended.push(now[i]);
        i -= 1;
      }
      if (i < 0) return; // a reset (a refetched page): nothing is "new"
      if (appended.some(isOwn)) {
        newCount.value = 0;
        list.scrollToBottom();
        return;
      }
      if (!list.atBottom.value) newCount.value += appended.length;
    },
    { flush: 'sync' },
  );

  watch(list.atBottom, (bottom) => {
    if (bottom) newCount.value = 0;
  });

  function onScroll() {
    list.onScroll();
    const el = container.value;
    if (onReachTop && el && el.scrollTop <= topThreshold) onReachTop();
  }

  function jumpToBottom() {
    newCount.value = 0;
    list.scrollToBottom();
  }

  return { ...list, onScroll, newCount, jumpToBottom };
}
