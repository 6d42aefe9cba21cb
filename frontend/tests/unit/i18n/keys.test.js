// Both languages carry the same keys, with the same placeholders and plural forms allowed:
// a key added to one language only fails here.
import { describe, it, expect } from 'vitest';
import en from '../../../src/i18n/en.js';
import id from '../../../src/i18n/id.js';
import { localeOf, pickLocale, setLocale, setTimeZone, t, i18n } from '../../../src/i18n/index.js';
import { formatDay, formatTime, formatSize, messagePreview } from '../../../src/lib/format.js';

function flatten(tree, prefix = '', out = {}) {
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (value && typeof value === 'object') flatten(value, path, out);
    else out[path] = value;
  }
  return out;
}

const placeholders = (text) => [...String(text).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('i18n catalogues', () => {
  const flatEn = flatten(en);
  const flatId = flatten(id);

  it('test_every_english_key_has_an_indonesian_text', () => {
    expect(Object.keys(flatEn).filter((k) => !(k in flatId))).toEqual([]);
  });

  it('test_every_indonesian_key_has_an_english_text', () => {
    expect(Object.keys(flatId).filter((k) => !(k in flatEn))).toEqual([]);
  });

  it('test_both_languages_use_the_same_placeholders', () => {
    const differ = Object.keys(flatEn).filter((k) => k in flatId
      && JSON.stringify([...new Set(placeholders(flatEn[k]))]) !== JSON.stringify([...new Set(placeholders(flatId[k]))]));
    expect(differ).toEqual([]);
  });

  it('test_no_text_is_empty', () => {
    const empty = [...Object.entries(flatEn), ...Object.entries(flatId)].filter(([, v]) => typeof v !== 'string' || !v.trim());
    expect(empty).toEqual([]);
  });
});

describe('language choice', () => {
  it('test_the_agents_choice_wins_over_the_browser', () => {
    expect(pickLocale({ chosen: 'id', browser: ['en-US'] })).toBe('id');
  });
  it('test_the_browsers_first_known_language_is_used_without_a_choice', () => {
    expect(pickLocale({ chosen: null, browser: ['fr-FR', 'id-ID', 'en'] })).toBe('id');
    expect(pickLocale({ chosen: null, browser: ['in'] })).toBe('id');
    expect(pickLocale({ chosen: null, browser: ['fr-FR'] })).toBe('en');
  });
  it('test_an_unknown_tag_is_not_a_locale', () => {
    expect(localeOf('de-DE')).toBe(null);
    expect(localeOf('id_ID')).toBe('id');
  });
});

describe('formatting per language and zone', () => {
  it('test_day_separators_in_indonesian', () => {
    setLocale('id', { remember: false });
    const now = new Date(2026, 10, 25, 12);
    expect(formatDay(new Date(2026, 10, 25, 8), now)).toBe('Hari ini');
    expect(formatDay(new Date(2026, 10, 24, 23), now)).toBe('Kemarin');
    expect(formatDay(new Date(2026, 10, 22, 8), now)).toBe('Minggu');
    expect(formatDay(new Date(2026, 9, 1), now)).toBe('01/10/2026');
  });
  it('test_plurals_follow_each_language', () => {
    expect(t('thread.newMessages', 1)).toBe('1 new message');
    expect(t('thread.newMessages', 3)).toBe('3 new messages');
    setLocale('id', { remember: false });
    expect(t('thread.newMessages', 1)).toBe('1 pesan baru');
    expect(t('thread.newMessages', 3)).toBe('3 pesan baru');
    expect(t('list.unread', 0)).toBe('tidak ada pesan belum dibaca');
    expect(t('list.unread', 4)).toBe('4 pesan belum dibaca');
  });
  it('test_numbers_and_times_are_locale_aware', () => {
    setLocale('id', { remember: false });
    expect(formatSize(3.5 * 1024 * 1024)).toBe('3,5 MB');
    expect(messagePreview({ type: 'voice' })).toBe('🎤 Pesan suara');
    setTimeZone('Asia/Jakarta');
    expect(formatTime('2026-12-03T01:05:00Z')).toBe('08.05');
    setLocale('en', { remember: false });
    expect(formatTime('2026-12-03T01:05:00Z')).toBe('08:05');
    setTimeZone('Asia/Jayapura');
    expect(formatTime('2026-12-03T01:05:00Z')).toBe('10:05');
  });
  it('test_the_day_boundary_is_the_shown_zones', () => {
    setTimeZone('Asia/Jakarta');
    // 18:30 UTC on the 24th is 01:30 on the 25th in Jakarta: "Today" there.
    expect(formatDay('2026-11-24T18:30:00Z', new Date('2026-11-25T05:00:00Z'))).toBe('Today');
    setTimeZone('UTC');
    expect(formatDay('2026-11-24T18:30:00Z', new Date('2026-11-25T05:00:00Z'))).toBe('Yesterday');
  });
  it('test_switching_language_is_remembered', () => {
    setLocale('id');
    expect(localStorage.getItem('blazz.locale')).toBe('id');
    expect(i18n.global.locale.value).toBe('id');
    expect(document.documentElement.lang).toBe('id');
  });
});

describe('session reasons', () => {
  it('test_every_reason_code_of_the_bridge_has_a_sentence_in_both_languages', async () => {
    const { SESSION_REASON_CODES } = await import('../../../src/generated/contract.js');
    expect(SESSION_REASON_CODES.length).toBe(16);
    const missing = SESSION_REASON_CODES.filter((code) => !en.sessions.reasons[code] || !id.sessions.reasons[code]);
    expect(missing).toEqual([]);
  });
});
