// Sandbox session options: validated and defaulted once, at POST /sessions.
import { invalidRequest } from '../../errors.js';
import { Rng, seedFrom } from '../../lib/prng.js';
import { LANGUAGES } from './phrases.js';

export const DEFAULT_ACK_DELAYS_MS = Object.freeze({ sent: 150, delivered: 400, read: 1200, played: 1500 });

// Virtual customers every sandbox session starts with (phones in Indonesia's +62 range, like the
// project's examples; none is a real subscriber number pattern the sandbox would ever dial).
export const DEFAULT_CUSTOMERS = Object.freeze([
  { phone: '6281100000001', name: 'Ayu Lestari' },
  { phone: '6281100000002', name: 'Budi Santoso' },
  { phone: '6281100000003', name: 'Citra Dewi' },
  { phone: '6281100000004', name: 'Dimas Pratama' },
  { phone: '6281100000005', name: 'Eka Putri' },
]);

const DIGITS = /^[0-9]{5,20}$/;
const GREETINGS_MAX = 10;
const GREETING_BODY_MAX = 1000;
const HISTORY_CHATS_MAX = 1000;
const HISTORY_MESSAGES_MAX = 1000;

export function normalizeSandboxOptions(options = {}, sessionId = '') {
  const fields = {};
  const known = new Set(['qr_scan_delay_ms', 'pairing_delay_ms', 'ack_delays_ms', 'auto_reply', 'auto_reply_typing_ms', 'fail_numbers', 'seed', 'phone', 'customers', 'greetings', 'language', 'history']);
  for (const key of Object.keys(options)) if (!known.has(key)) fields[`options.${key}`] = 'unknown sandbox option';

  const nonNegInt = (v, name) => {
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < 0 || v > 3_600_000) fields[name] = 'integer between 0 and 3600000';
    return v;
  };

  const seed = options.seed ?? seedFrom('sandbox', sessionId);
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 32 - 1) fields['options.seed'] = 'integer between 0 and 2^32-1';

  const ack = { ...DEFAULT_ACK_DELAYS_MS };
  if (options.ack_delays_ms !== undefined) {
    if (typeof options.ack_delays_ms !== 'object' || options.ack_delays_ms === null || Array.isArray(options.ack_delays_ms)) {
      fields['options.ack_delays_ms'] = 'object {sent, delivered, read, played}';
    } else {
      for (const [k, v] of Object.entries(options.ack_delays_ms)) {
        if (!(k in ack)) fields[`options.ack_delays_ms.${k}`] = 'unknown tick (sent, delivered, read, played)';
        else ack[k] = nonNegInt(v, `options.ack_delays_ms.${k}`);
      }
    }
  }

  let failNumbers = [];
  if (options.fail_numbers !== undefined) {
    if (!Array.isArray(options.fail_numbers) || !options.fail_numbers.every((n) => typeof n === 'string' && DIGITS.test(n.replace(/^\+/, '').replace(/@c\.us$/, '')))) {
      fields['options.fail_numbers'] = 'list of phone numbers (digits)';
    } else {
      failNumbers = options.fail_numbers.map((n) => n.replace(/^\+/, '').replace(/@c\.us$/, ''));
    }
  }

  let customers = DEFAULT_CUSTOMERS.map((c) => ({ ...c }));
  if (options.customers !== undefined) {
    if (!Array.isArray(options.customers) || !options.customers.every((c) => c && typeof c === 'object' && typeof c.phone === 'string' && DIGITS.test(c.phone) && (c.name === undefined || c.name === null || typeof c.name === 'string'))) {
      fields['options.customers'] = 'list of {phone (digits), name}';
    } else {
      customers = options.customers.map((c) => ({ phone: c.phone, name: c.name ?? null }));
    }
  }

  // Messages customers write by themselves once the number is first paired (a demo opens on a
  // conversation, not an empty inbox): [{from, body, after_ms}], after_ms counted from the pairing.
  let greetings = [];
  if (options.greetings !== undefined) {
    const valid = (g) => g && typeof g === 'object' && typeof g.from === 'string' && DIGITS.test(g.from)
      && typeof g.body === 'string' && g.body.length > 0 && g.body.length <= GREETING_BODY_MAX
      && (g.after_ms === undefined || (Number.isInteger(g.after_ms) && g.after_ms >= 0 && g.after_ms <= 3_600_000));
    if (!Array.isArray(options.greetings) || options.greetings.length > GREETINGS_MAX || !options.greetings.every(valid)) {
      fields['options.greetings'] = `list of at most ${GREETINGS_MAX} {from (digits), body (1-${GREETING_BODY_MAX} characters), after_ms?}`;
    } else {
      greetings = options.greetings.map((g, i) => ({ from: g.from, body: g.body, after_ms: g.after_ms ?? 1000 * (i + 1) }));
    }
  }

  let phone = options.phone;
  if (phone !== undefined && (typeof phone !== 'string' || !DIGITS.test(phone))) fields['options.phone'] = 'digits';
  if (phone === undefined && Number.isInteger(seed)) phone = `6289${new Rng(seedFrom('phone', seed)).digits(8)}`;

  if (options.auto_reply !== undefined && typeof options.auto_reply !== 'boolean') fields['options.auto_reply'] = 'boolean';
  if (options.language !== undefined && !LANGUAGES.includes(options.language)) fields['options.language'] = `one of ${LANGUAGES.join(', ')}`;

  // A history import at the first pairing (a newly linked number with past conversations):
  // {chats, messages} -> `chats` customers with `messages` messages each, emitted as history.
  let history = null;
  if (options.history !== undefined && options.history !== null) {
    const h = options.history;
    const count = (v, max) => Number.isInteger(v) && v >= 1 && v <= max;
    if (!h || typeof h !== 'object' || !count(h.chats, HISTORY_CHATS_MAX) || !count(h.messages, HISTORY_MESSAGES_MAX)) {
      fields['options.history'] = `{chats: 1-${HISTORY_CHATS_MAX}, messages: 1-${HISTORY_MESSAGES_MAX}}`;
    } else {
      history = { chats: h.chats, messages: h.messages };
    }
  }

  const normalized = {
    qr_scan_delay_ms: nonNegInt(options.qr_scan_delay_ms, 'options.qr_scan_delay_ms') ?? 3000,
    pairing_delay_ms: nonNegInt(options.pairing_delay_ms, 'options.pairing_delay_ms') ?? 3000,
    ack_delays_ms: ack,
    auto_reply: options.auto_reply ?? false,
    auto_reply_typing_ms: nonNegInt(options.auto_reply_typing_ms, 'options.auto_reply_typing_ms') ?? 1500,
    fail_numbers: failNumbers,
    seed,
    phone,
    customers,
    greetings,
    language: options.language ?? 'id',
    history,
  };
  if (Object.keys(fields).length) throw invalidRequest('invalid sandbox options', fields);
  return normalized;
}
