// whatsapp-web.js serialized ids: 6281234567890@c.us (a person), 1203...@g.us (a group).

export const CHAT_ID_PATTERN = '^(\\+?[0-9]{5,20}(@c\\.us|@s\\.whatsapp\\.net)?|[0-9]{5,20}@lid|[0-9-]{5,40}@g\\.us)$';
const CHAT_ID_RE = new RegExp(CHAT_ID_PATTERN);

/** Bare digits (optionally with +) become <digits>@c.us; @s.whatsapp.net (Baileys' form) becomes @c.us. */
export function normalizeChatId(value) {
  const v = String(value).trim();
  if (!CHAT_ID_RE.test(v)) return null;
  if (v.endsWith('@g.us') || v.endsWith('@lid') || v.endsWith('@c.us')) return v.replace(/^\+/, '');
  return `${v.replace(/^\+/, '').replace(/@s\.whatsapp\.net$/, '')}@c.us`;
}

export const phoneOf = (chatId) => String(chatId).split('@')[0];
