// The tab carries the unread total, as WhatsApp Web's does: "(3) Acme · Blazz inbox" in the title
// and a badge with the number on the favicon (drawn on a canvas; the plain icon at 0).
import { watch } from 'vue';

const SIZE = 64;
const ICON = 'data:image/svg+xml,%3Csvg xmlns=%27http://www.w3.org/2000/svg%27 viewBox=%270 0 32 32%27%3E%3Ccircle cx=%2716%27 cy=%2716%27 r=%2716%27 fill=%27%2300a884%27/%3E%3Cpath d=%27M9 23l1.6-4.7A8 8 0 1 1 13.6 21z%27 fill=%27%23fff%27/%3E%3C/svg%3E';

/** The title for `total` unread chats. */
export function titleWithUnread(title, total) {
  return total > 0 ? `(${total > 99 ? '99+' : total}) ${title}` : title;
}

/** A favicon with the count on a red badge (null where there is no canvas, e.g. in tests). */
export function badgedIcon(total, doc = document) {
  const canvas = doc.createElement('canvas');
  const ctx = canvas.getContext?.('2d');
  if (!ctx) return null;
  canvas.width = SIZE;
  canvas.height = SIZE;
  ctx.fillStyle = '#00a884';
  ctx.beginPath();
  ctx.arc(SIZE / 2, SIZE / 2, SIZE / 2, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = '#e53935';
  ctx.beginPath();
  ctx.arc(SIZE - 20, 20, 20, 0, 2 * Math.PI);
  ctx.fill();
  ctx.fillStyle = '#fff';
  ctx.font = 'bold 26px sans-serif';
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(total > 9 ? '9+' : String(total), SIZE - 20, 21);
  return canvas.toDataURL('image/png');
}

/**
 * @param {import('vue').Ref<number>|(() => number)} total the unread total
 * @param {import('vue').Ref<string>|(() => string)} title the tab's title without it
 */
export function useUnreadTitle(total, title, doc = typeof document === 'undefined' ? null : document) {
  if (!doc) return;
  watch([total, title], ([n, text]) => {
    if (text) doc.title = titleWithUnread(text, n);
    const link = doc.querySelector('link[rel=icon]');
    if (link) link.href = (n > 0 && badgedIcon(n, doc)) || ICON;
  }, { immediate: true });
}
