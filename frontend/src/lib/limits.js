import { t, n } from '../i18n/index.js';

// Limits the browser checks before sending a byte, so a file the server would refuse is refused
// at once, not after it has uploaded.
//
// The server's upload limit (settings.MEDIA_MAX_UPLOAD_BYTES) comes with GET /me/ as
// `limits.media_max_upload_bytes`; this default stands in until /me/ has loaded. The server keeps
// its own check.
export const DEFAULT_MEDIA_MAX_UPLOAD_BYTES = 64 * 1024 * 1024;

const MB = 1024 * 1024;

/** The upload limit in bytes, from GET /me/ `limits` when it carries one. */
export function mediaMaxUploadBytes(limits) {
  const fromServer = Number(limits?.media_max_upload_bytes);
  return Number.isFinite(fromServer) && fromServer > 0 ? fromServer : DEFAULT_MEDIA_MAX_UPLOAD_BYTES;
}

/** "64 MB", "2.5 MB" */
function megabytes(bytes) {
  const mb = bytes / MB;
  return `${Number.isInteger(mb) ? n(mb, 'integer') : n(mb, 'decimal1')} MB`;
}

/** Why `file` cannot be sent, or null when it can (its size is within `maxBytes`). */
export function fileTooLargeReason(file, maxBytes) {
  if (!file || !(file.size > maxBytes)) return null;
  return t('attach.tooLarge', { name: file.name || t('attach.thisFile'), size: megabytes(file.size), max: megabytes(maxBytes) });
}
