import { describe, it, expect } from 'vitest';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { emojiOnlyRange, rewriteEmojiCss, FAMILY } from '../../../vite/emojiFont.js';

const require = createRequire(import.meta.url);

describe('the shipped emoji font', () => {
  it('test_text_first_code_points_leave_the_ranges', () => {
    expect(emojiOnlyRange('U+23,U+2a,U+30-39,U+a9,U+ae,U+200d,U+2122,U+2139')).toBe('U+200d,U+2139');
    expect(emojiOnlyRange('U+20-300')).toBe('U+100-300');
    expect(emojiOnlyRange('U+2100-2200')).toBe('U+2100-2121,U+2123-2200');
    expect(emojiOnlyRange('U+1f600-1f64f')).toBe('U+1f600-1f64f');
  });

  it('test_the_packages_css_becomes_our_family_woff2_only_without_digits', () => {
    const css = rewriteEmojiCss(fs.readFileSync(require.resolve('@fontsource/noto-color-emoji/400.css'), 'utf8'));
    const faces = css.match(/@font-face/g).length;
    expect(faces).toBeGreaterThan(5);
    expect(css.match(new RegExp(`font-family: '${FAMILY}'`, 'g'))).toHaveLength(faces);
    expect(css).not.toMatch(/\.woff\)/);
    expect(css.match(/\.woff2\) format\('woff2'\)/g)).toHaveLength(faces);
    const ranges = [...css.matchAll(/unicode-range: ([^;]*);/g)].map((m) => m[1]);
    expect(ranges).toHaveLength(faces);
    for (const range of ranges) {
      for (const part of range.split(',')) expect(parseInt(part.slice(2).split('-')[0], 16)).toBeGreaterThan(0xff);
    }
    expect(ranges.join(',')).toMatch(/U\+1f600/i); // the smileys are there
  });
});
