// The emoji font the inbox ships, so emoji look the same on every system, also where the system
// has none (they were boxes there): Twemoji as a COLR font (twemoji-colr-font, one 465 KB woff2,
// served with the assets under /static/, no CDN). COLR is the colour-font format Chromium, Firefox
// and Safari all draw (Noto Color Emoji's web subsets are SVG-in-OpenType, which Chromium draws
// blank). styles/emoji.css puts the family first where messages show.
//
// Added through the CSS Font Loading API with a unicode-range of emoji only: the browser fetches the
// file the first time an emoji is on screen (never for a page without one), and digits, #, *, ©, ®,
// ™ stay in the text font (Twemoji has glyphs for them, for keycaps).
import fontUrl from 'twemoji-colr-font/twemoji.woff2?url';

export const EMOJI_FAMILY = 'Blazz Emoji';
export const EMOJI_RANGE = 'U+200D, U+203C, U+2049, U+2139, U+2194-2BFF, U+3030, U+303D, U+3297, U+3299, U+FE0F, U+1F000-1FAFF, U+E0020-E007F';

/** Register the font in `doc`'s FontFaceSet (unloaded until an emoji needs it). */
export function addEmojiFont(doc = globalThis.document, FontFaceImpl = globalThis.FontFace) {
  if (!doc?.fonts || typeof FontFaceImpl !== 'function') return null;
  const face = new FontFaceImpl(EMOJI_FAMILY, `url(${fontUrl}) format('woff2')`, { unicodeRange: EMOJI_RANGE, display: 'swap' });
  doc.fonts.add(face);
  return face;
}
