// A language's copy is fetched when first shown: the switch happens once it is here, and a later
// switch wins over an earlier one still loading.
import { it, expect, vi } from 'vitest';

async function freshI18n() {
  vi.resetModules();
  return import('../../../src/i18n/index.js');
}

it('test_a_language_not_loaded_is_shown_once_its_copy_arrives', async () => {
  const i18n = await freshI18n();
  expect(i18n.i18n.global.availableLocales).toEqual([]);
  i18n.setLocale('id', { remember: false });
  await vi.waitFor(() => expect(i18n.currentLocale()).toBe('id'));
  expect(i18n.t('app.cancel')).toBe('Batal');
  expect(i18n.i18n.global.availableLocales).toEqual(['id']); // English was never fetched
  expect(document.documentElement.lang).toBe('id');
});

it('test_the_last_switch_wins_over_one_still_loading', async () => {
  const i18n = await freshI18n();
  await i18n.loadLocale('en');
  i18n.setLocale('id', { remember: false }); // fetching
  i18n.setLocale('en', { remember: false }); // here already: at once
  expect(i18n.currentLocale()).toBe('en');
  await vi.waitFor(() => expect(i18n.i18n.global.availableLocales).toContain('id'));
  await new Promise((resolve) => setTimeout(resolve, 0));
  expect(i18n.currentLocale()).toBe('en');
});
