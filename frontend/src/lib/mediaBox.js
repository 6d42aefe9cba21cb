// The box an image, video or sticker takes in a bubble, known before the file has loaded, so a
// thread does not grow under the reader as media decode. From the media's own dimensions when the
// server gives them (`width`/`height`), else from what this tab learned when it last showed the
// file (a row the windowed list unrenders and renders again), else a 4:3 placeholder.

const MAX_SIDE = 330; // px: WhatsApp Web's preview box (also `.media__image` max-height)
const STICKER_SIDE = 160;
const DEFAULT_ASPECT = 4 / 3;
const LEARNED_MAX = 2000; // entries: a long session's worth of media, a few KB of memory
const learned = new Map(); // media id or url -> width / height

const BOXED_TYPES = new Set(['image', 'video', 'sticker']);

function cacheKey(media, url) {
  return media?.id || url || null;
}

/** What a loaded image or video told us about its shape. */
export function rememberAspect(media, url, width, height) {
  const key = cacheKey(media, url);
  if (!key || !(width > 0) || !(height > 0)) return;
  if (learned.size >= LEARNED_MAX) learned.delete(learned.keys().next().value);
  learned.set(key, width / height);
}

/**
 * @param {string} type the message type
 * @param {{id?: string, width?: number, height?: number}|null} media
 * @param {string|null} url where the file is shown from
 * @returns {{width: number, aspect: number, known: boolean}|null} the box in CSS px (its width;
 *   the height follows the aspect), null for types that take no box (audio, documents)
 */
export function mediaBox(type, media, url) {
  if (!BOXED_TYPES.has(type)) return null;
  const fromServer = media?.width > 0 && media?.height > 0 ? media.width / media.height : null;
  const aspect = fromServer ?? learned.get(cacheKey(media, url)) ?? null;
  const known = aspect !== null;
  if (type === 'sticker') return { width: STICKER_SIDE, aspect: aspect ?? 1, known };
  const a = aspect ?? DEFAULT_ASPECT;
  // The longer side is MAX_SIDE: a tall picture is narrower, a wide one shorter.
  return { width: Math.round(a >= 1 ? MAX_SIDE : MAX_SIDE * a), aspect: a, known };
}

/** For tests. */
export function forgetLearnedAspects() {
  learned.clear();
}
