import { describe, it, expect } from 'vitest';
import { addEmojiFont, EMOJI_FAMILY, EMOJI_RANGE } from '../../../src/lib/emojiFont.js';

const ranges = EMOJI_RANGE.split(',').map((part) => {
  const [a, b] = part.trim().slice(2).split('-').map((x) => parseInt(x, 16));
  return [a, b ?? a];
});
const covered = (cp) => ranges.some(([a, b]) => cp >= a && cp <= b);

describe('the shipped emoji font', () => {
  it('test_emoji_are_in_its_range_and_text_is_not', () => {
    for (const emoji of ['😂', '🙏', '👍', '❤', '🇮', '☕', '⭐']) expect(covered(emoji.codePointAt(0)), emoji).toBe(true);
    for (const text of ['1', '#', '*', 'a', '©', '®', '™', '→', 'é']) expect(covered(text.codePointAt(0)), text).toBe(false);
  });

  it('test_it_is_registered_once_as_our_own_file_and_left_unloaded', () => {
    const added = [];
    class FakeFontFace {
      constructor(family, source, descriptors) {
        Object.assign(this, { family, source, descriptors });
      }
    }
    const face = addEmojiFont({ fonts: { add: (f) => added.push(f) } }, FakeFontFace);
    expect(added).toEqual([face]);
    expect(face.family).toBe(EMOJI_FAMILY);
    expect(face.source).toMatch(/twemoji.*\.woff2\) format\('woff2'\)$/);
    expect(face.source).not.toMatch(/https?:/); // self-hosted: no CDN
    expect(face.descriptors).toEqual({ unicodeRange: EMOJI_RANGE, display: 'swap' });
    expect(addEmojiFont({}, FakeFontFace)).toBe(null);
  });
});
