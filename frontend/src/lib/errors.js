import { t } from '../i18n/index.js';

// What to show an agent for an API error (docs/api.md: `{error: {code, message, fields}}`).

/**
 * The sentence for one field of a form: the field's own message when it is a sentence, else the
 * error's message (a field may carry only a bare word such as "invalid", the message says why).
 * @param {{message?: string, fields?: Record<string, string[]>}} err an ApiError
 * @param {string} field
 */
export function fieldErrorText(err, field) {
  const own = err?.fields?.[field]?.[0];
  if (typeof own === 'string' && /\s/.test(own.trim())) return own;
  return err?.message || own || t('app.somethingWrong');
}
