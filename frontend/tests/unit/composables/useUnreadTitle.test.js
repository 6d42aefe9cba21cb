import { it, expect } from 'vitest';
import { ref, nextTick } from 'vue';
import { titleWithUnread, useUnreadTitle } from '../../../src/composables/useUnreadTitle.js';

it('test_the_title_carries_the_unread_total', () => {
  expect(titleWithUnread('Acme · Blazz inbox', 0)).toBe('Acme · Blazz inbox');
  expect(titleWithUnread('Acme · Blazz inbox', 3)).toBe('(3) Acme · Blazz inbox');
  expect(titleWithUnread('Acme', 120)).toBe('(99+) Acme');
});

it('test_the_tab_follows_the_total', async () => {
  document.head.innerHTML = '<link rel="icon" href="plain.svg">';
  const total = ref(2);
  useUnreadTitle(total, ref('Acme'));
  expect(document.title).toBe('(2) Acme');
  total.value = 0;
  await nextTick();
  expect(document.title).toBe('Acme');
  expect(document.querySelector('link[rel=icon]').href).toContain('data:image/svg+xml');
});
