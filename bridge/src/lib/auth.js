import crypto from 'node:crypto';

/** Constant-time token check (hash both sides so lengths never leak through timing). */
export function tokenMatches(header, token) {
  const m = /^Bearer (.+)$/.exec(header || '');
  if (!m) return false;
  const a = crypto.createHash('sha256').update(m[1]).digest();
  const b = crypto.createHash('sha256').update(token).digest();
  return crypto.timingSafeEqual(a, b);
}
