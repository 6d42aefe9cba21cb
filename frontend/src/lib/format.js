// Formatting helpers for times, days, sizes and names, in the agent's language and time zone
// (i18n/index.js). Unit tested.
import { t, d, n, dayOf, zoneEpoch } from '../i18n/index.js';

const pad = (value) => String(value).padStart(2, '0');

export function toDate(value) {
  if (!value) return null;
  const date = value instanceof Date ? value : new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** "14:05" (id: "14.05"), in the shown zone. */
export function formatTime(value) {
  const date = toDate(value);
  return date ? d(date, 'time') : '';
}

const DAY = 86400000;

/** The key that groups messages of one day, in the shown zone: "2026-11-25". */
export function dayKey(value) {
  const date = toDate(value);
  return date ? dayOf(date) : '';
}

/** A stored message's day key, kept on it (`_day`) and redone when the shown zone changed since;
 * reads `zoneEpoch`, so a computed that groups by it regroups when the agent's zone changes. */
export function messageDay(message) {
  const epoch = zoneEpoch.value;
  if (message._dayEpoch !== epoch) {
    message._day = dayKey(message._t);
    message._dayEpoch = epoch;
  }
  return message._day;
}

/** Whole days from `date` to `now`, counted in the shown zone (0: same day). */
function daysAgo(date, now) {
  const utc = (key) => Date.UTC(Number(key.slice(0, 4)), Number(key.slice(5, 7)) - 1, Number(key.slice(8, 10)));
  return Math.round((utc(dayOf(now)) - utc(dayOf(date))) / DAY);
}

/** "Today" / "Hari ini", "Yesterday" / "Kemarin", a weekday within the week, else the date. */
export function formatDay(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return '';
  const diff = daysAgo(date, now);
  if (diff === 0) return t('day.today');
  if (diff === 1) return t('day.yesterday');
  if (diff > 1 && diff < 7) return d(date, 'weekday');
  return d(date, 'date');
}

/** Chat list time: "14:05" today, "Yesterday", a weekday, else the date. */
export function formatListTime(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return '';
  return daysAgo(date, now) === 0 ? formatTime(date) : formatDay(date, now);
}

/** "last seen today at 14:05" */
export function formatLastSeen(value, now = new Date()) {
  const date = toDate(value);
  if (!date) return '';
  const diff = daysAgo(date, now);
  const time = formatTime(date);
  if (diff === 0) return t('day.lastSeenToday', { time });
  if (diff === 1) return t('day.lastSeenYesterday', { time });
  return t('day.lastSeenOn', { day: formatDay(date, now), time });
}

/** When a mute ends: "Today, 22:10" / "Kamis, 10.00" / a date, in the shown zone. */
export function formatMuteEnd(value, now = new Date()) {
  const date = toDate(value);
  return date ? `${formatDay(date, now)}, ${formatTime(date)}` : '';
}

/** "12 KB", "3.4 MB" (id: "3,4 MB") */
export function formatSize(bytes) {
  if (bytes == null || Number.isNaN(Number(bytes))) return '';
  const size = Number(bytes);
  if (size < 1024) return `${n(size, 'integer')} B`;
  if (size < 1024 * 1024) return `${n(Math.round(size / 1024), 'integer')} KB`;
  return `${n(size / (1024 * 1024), 'decimal1')} MB`;
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
  if (message.revoked) return t('preview.deleted');
  const caption = message.caption || '';
  switch (message.type) {
    case 'text': return message.body || '';
    case 'image': return `📷 ${caption || t('preview.photo')}`;
    case 'video': return `🎥 ${caption || t('preview.video')}`;
    case 'audio': return `🎵 ${t('preview.audio')}`;
    case 'voice': return `🎤 ${t('preview.voice')}`;
    case 'document': return `📄 ${message.media?.filename || caption || t('preview.document')}`;
    case 'sticker': return t('preview.sticker');
    case 'location': return `📍 ${message.location?.name || t('preview.location')}`;
    case 'contact': return `👤 ${message.contact_card?.name || t('preview.contact')}`;
    case 'revoked': return t('preview.deleted');
    default: return message.body || caption || '';
  }
}

/**
 * Who wrote a quoted message: "You" for ours (the workspace's number), else the contact's name
 * (a chat is one contact: every inbound message is theirs).
 */
export function quoteAuthor(quoted, contactName) {
  if (!quoted) return '';
  return quoted.direction === 'out' ? t('preview.you') : contactName || t('preview.contact');
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
