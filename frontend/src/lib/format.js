// Formatting helpers for times, days, sizes and names. Pure functions, unit tested.

const pad = (n) => String(n).padStart(2, '0');

export function toDate(value) {
  if (!value) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "14:05" */
export function formatTime(value) {
  const date = toDate(value);
  return date ? `${pad(date.getHours())}:${pad(date.getMinutes())}` : '';
}

function startOfDay(date) {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate()).getTime();
}

const DAY = 86400000;
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/** The key that groups messages of one local day. */
export function dayKey(value) {
  const date = toDate(value);
  return date ? `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` : '';
}

/** "Today", "Yesterday", a weekday within the week, else "25/11/2026". */
export function formatDay(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return '';
  const diff = Math.round((startOfDay(now) - startOfDay(date)) / DAY);
  if (diff === 0) return 'Today';
  if (diff === 1) return 'Yesterday';
  if (diff > 1 && diff < 7) return WEEKDAYS[date.getDay()];
  return `${pad(date.getDate())}/${pad(date.getMonth() + 1)}/${date.getFullYear()}`;
}

/** Chat list time: "14:05" today, "Yesterday", a weekday, else the date. */
export function formatListTime(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return '';
  const day = formatDay(date, now);
  return day === 'Today' ? formatTime(date) : day;
}

/** "last seen today at 14:05" */
export function formatLastSeen(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return '';
  const day = formatDay(date, now);
  if (day === 'Today') return `last seen today at ${formatTime(date)}`;
  if (day === 'Yesterday') return `last seen yesterday at ${formatTime(date)}`;
  return `last seen ${day} at ${formatTime(date)}`;
}

/** "12 KB", "3.4 MB" */
export function formatSize(bytes) {
  if (bytes == null || Number.isNaN(Number(bytes))) return '';
  const n = Number(bytes);
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** "1:05" */
export function formatDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '0:00';
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${pad(s % 60)}`;
}

/** Up to two initials of a display name; digits-only names (phones) give "#". */
export function initials(name) {
  const words = String(name || '').replace(/[^\p{L}\p{N}\s]/gu, ' ').trim().split(/\s+/).filter(Boolean);
  if (!words.length) return '#';
  if (/^\d+$/.test(words[0])) return '#';
  const first = [...words[0]][0] || '';
  const second = words.length > 1 ? [...words[words.length - 1]][0] || '' : '';
  return (first + second).toUpperCase();
}

/** A stable hue per contact id, for avatar backgrounds (golden-angle steps spread close ids apart). */
export function avatarHue(seed) {
  let hash = 0;
  const text = String(seed ?? '');
  for (let i = 0; i < text.length; i += 1) hash = (hash * 31 + text.charCodeAt(i)) | 0;
  return Math.round(Math.abs(hash) * 137.508) % 360;
}

/** One-line preview of a message for the chat list and quotes. */
export function messagePreview(message) {
  if (!message) return '';
  if (message.revoked) return 'This message was deleted';
  const caption = message.caption || '';
  switch (message.type) {
    case 'text': return message.body || '';
    case 'image': return caption ? `📷 ${caption}` : '📷 Photo';
    case 'video': return caption ? `🎥 ${caption}` : '🎥 Video';
    case 'audio': return '🎵 Audio';
    case 'voice': return '🎤 Voice message';
    case 'document': return `📄 ${message.media?.filename || caption || 'Document'}`;
    case 'sticker': return 'Sticker';
    case 'location': return `📍 ${message.location?.name || 'Location'}`;
    case 'contact': return `👤 ${message.contact_card?.name || 'Contact'}`;
    case 'revoked': return 'This message was deleted';
    default: return message.body || caption || '';
  }
}

/**
 * Who wrote a quoted message: "You" for ours (the workspace's number), else the contact's name
 * (a chat is one contact: every inbound message is theirs).
 */
export function quoteAuthor(quoted, contactName) {
  if (!quoted) return '';
  return quoted.direction === 'out' ? 'You' : contactName || 'Contact';
}

/** What the attachment pickers offer (the server has the final word on types: 415). */
export const ATTACHMENT_ACCEPT = 'image/*,video/*,audio/*,application/pdf,application/msword,application/vnd.openxmlformats-officedocument.*,application/vnd.ms-excel,text/plain,text/csv,application/zip';

/** The message type to send a file as. */
export function typeOfFile(file) {
  const mime = (file && file.type) || '';
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}
