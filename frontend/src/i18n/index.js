// The SPA's languages (vue-i18n, Composition API mode). The language is the agent's choice (their
// profile, remembered in localStorage), else the browser's first language we speak, else English.
// Dates, times and numbers go through the same instance (datetimeFormats / numberFormats), in the
// agent's time zone when one is set (setTimeZone), else the browser's.
import { ref } from 'vue';
import { createI18n } from 'vue-i18n';

export const LOCALES = ['en', 'id'];
// Each language's copy is a chunk of its own, fetched the first time it is shown: a browser
// downloads only the language it uses (the bundle budget: bench/frontend_bundle_size.mjs).
const CATALOGUES = { en: () => import('./en.js'), id: () => import('./id.js') };
const STORAGE_KEY = 'blazz.locale';

const datetime = {
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  date: { day: '2-digit', month: '2-digit', year: 'numeric' },
  weekday: { weekday: 'long' },
  full: { dateStyle: 'medium', timeStyle: 'short' },
};
const number = {
  decimal1: { maximumFractionDigits: 1 },
  integer: { maximumFractionDigits: 0 },
};

/** 'id' for Indonesian (and its old code 'in'), 'en' for English, else null. */
export function localeOf(tag) {
  const base = String(tag || '').toLowerCase().split(/[-_]/)[0];
  if (base === 'in') return 'id';
  return LOCALES.includes(base) ? base : null;
}

/** The language to start in: the remembered choice, else the browser's, else English. */
export function pickLocale({ chosen, browser } = {}) {
  const remembered = chosen ?? (() => {
    try { return globalThis.localStorage?.getItem(STORAGE_KEY); } catch { return null; }
  })();
  if (localeOf(remembered)) return localeOf(remembered);
  const nav = globalThis.navigator;
  const list = browser ?? (nav ? (nav.languages?.length ? nav.languages : [nav.language]) : []);
  for (const tag of list) if (localeOf(tag)) return localeOf(tag);
  return 'en';
}

export const i18n = createI18n({
  legacy: false,
  globalInjection: true,
  locale: pickLocale(),
  fallbackLocale: 'en',
  messages: {},
  // Indonesian has one form for every count (a message may add a zero form: "zero | other");
  // English keeps vue-i18n's "one | other" and "zero | one | other".
  pluralRules: { id: (choice, forms) => (forms === 2 && choice !== 0 ? 1 : 0) },
  numberFormats: { en: number, id: number },
  missingWarn: false,
  fallbackWarn: false,
});

let zone = null;
// Bumped when the shown zone changes: what groups by day (an open thread's separators) depends on
// it and regroups live.
export const zoneEpoch = ref(0);

/** The IANA zone times are shown in (null: the browser's). */
export function timeZone() {
  return zone;
}

/** Show times in `tz` (an IANA name from the agent's profile); an unknown name is ignored. */
export function setTimeZone(tz) {
  let next = null;
  if (tz) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      next = tz;
    } catch {
      next = null;
    }
  }
  if (next !== zone) {
    zone = next;
    zoneEpoch.value += 1;
  }
}

export function currentLocale() {
  return i18n.global.locale.value;
}

const loaded = new Set();
let switches = 0;

/** Fetch a language's copy once; resolves when vue-i18n has it. */
export async function loadLocale(tag) {
  const locale = localeOf(tag) || 'en';
  if (loaded.has(locale)) return;
  const catalogue = await CATALOGUES[locale]();
  i18n.global.setLocaleMessage(locale, catalogue.default);
  loaded.add(locale);
}

/** Switch the language (remembered for the next visit when `remember`): at once when its copy is
 * here, else once it is fetched, unless another switch came since. */
export function setLocale(tag, { remember = true } = {}) {
  const locale = localeOf(tag) || 'en';
  const serial = ++switches;
  const apply = () => {
    if (serial !== switches) return;
    i18n.global.locale.value = locale;
    if (globalThis.document) document.documentElement.lang = locale;
  };
  if (remember) {
    try { globalThis.localStorage?.setItem(STORAGE_KEY, locale); } catch { /* private mode */ }
  }
  if (loaded.has(locale)) apply();
  else loadLocale(locale).then(apply, () => {}); // offline: the shown language stays
  return locale;
}

/** The translation function, for code outside components (lib/, stores/). */
export const t = (...args) => i18n.global.t(...args);

// Dates go through Intl with the region each language is used in here: vue-i18n's d() would
// format 'en' the US way (month first), where an English-reading agent in Indonesia expects
// day-first dates as WhatsApp shows them.
const INTL_LOCALE = { en: 'en-GB', id: 'id-ID' };
const formatters = new Map();

/** A date/time in the current language and zone; `key` is one of `datetime` above. */
export function d(value, key) {
  const locale = INTL_LOCALE[i18n.global.locale.value] || 'en-GB';
  const cacheKey = `${locale}|${zone}|${key}`;
  let fmt = formatters.get(cacheKey);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat(locale, { ...datetime[key], ...(zone ? { timeZone: zone } : {}) });
    formatters.set(cacheKey, fmt);
  }
  return fmt.format(value);
}

/** "2026-12-03": the calendar day of `value` in the shown zone (groups a thread's days). */
export function dayOf(value) {
  const cacheKey = `day|${zone}`;
  let fmt = formatters.get(cacheKey);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-CA', { year: 'numeric', month: '2-digit', day: '2-digit', ...(zone ? { timeZone: zone } : {}) });
    formatters.set(cacheKey, fmt);
  }
  return fmt.format(value);
}

/** A number in the current language; `key` is one of the numberFormats. */
export const n = (value, key) => i18n.global.n(value, key);
