// Every unit test starts with an empty localStorage (drafts, the outbox of unsent messages):
// what one test kept must not show up in the next one's thread.
import { beforeEach } from 'vitest';
import { config } from '@vue/test-utils';
import { i18n, loadLocale, setLocale, setTimeZone } from '../../src/i18n/index.js';

// Both languages' copy is here before any test (the app fetches the one it shows).
await Promise.all([loadLocale('en'), loadLocale('id')]);

// Components read their copy through vue-i18n ($t), in English unless a test switches.
config.global.plugins = [...(config.global.plugins || []), i18n];

beforeEach(() => {
  globalThis.localStorage?.clear();
  setLocale('en', { remember: false });
  setTimeZone(null);
});
