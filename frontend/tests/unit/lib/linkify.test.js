import { describe, it, expect } from 'vitest';
import { linkify, safeHref } from '../../../src/lib/linkify.js';

describe('linkify', () => {
  it('test_splits_text_and_links', () => {
    expect(linkify('go to https://a.test/x. ok')).toEqual([
      { type: 'text', text: 'go to ' },
      { type: 'link', text: 'https://a.test/x', href: 'https://a.test/x' },
      { type: 'text', text: '. ok' },
    ]);
  });
  it('test_keeps_balanced_parentheses', () => {
    const parts = linkify('(see https://en.wikipedia.org/wiki/Foo_(bar))');
    expect(parts.find((p) => p.type === 'link').href).toBe('https://en.wikipedia.org/wiki/Foo_(bar)');
  });
  it('test_only_http_and_https', () => {
    expect(safeHref('javascript:alert(1)')).toBe(null);
    expect(safeHref('data:text/html,x')).toBe(null);
    expect(linkify('javascript:alert(1)').every((p) => p.type === 'text')).toBe(true);
    expect(linkify('ftp://x.test').every((p) => p.type === 'text')).toBe(true);
  });
  it('test_empty', () => {
    expect(linkify('')).toEqual([]);
    expect(linkify(null)).toEqual([]);
  });
});
