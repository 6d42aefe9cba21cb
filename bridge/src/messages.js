// What a send request must carry per type, and the shared shapes of message content, so both
// engines read a request the same way. (The JSON schema in routes/messages.js checks field types;
// this checks the combinations a schema expresses badly.)
import { invalidRequest } from './errors.js';

export const SEND_TYPES = ['text', 'image', 'video', 'audio', 'voice', 'document', 'sticker', 'location', 'contact'];
export const MEDIA_TYPES = new Set(['image', 'video', 'audio', 'voice', 'document', 'sticker']);

/**
 * Throws invalid_request (400, with fields) when the parts the type needs are missing. A forward
 * (`forward_of`) carries no type or content of its own: it is the source message's.
 */
export function validateSendRequest(req) {
  const fields = {};
  if (req.forward_of) {
    for (const name of ['type', 'body', 'caption', 'media', 'location', 'contact', 'reply_to']) {
      if (req[name] !== undefined && req[name] !== null) fields[name] = 'not with forward_of: a forward carries the source message';
    }
    if (Object.keys(fields).length) throw invalidRequest('a forward has no content of its own', fields);
    return;
  }
  if (!req.type) throw invalidRequest('invalid body', { type: 'required' });
  if (req.type === 'text' && !req.body) fields.body = 'required for text messages';
  if (MEDIA_TYPES.has(req.type)) {
    if (!req.media) fields.media = `required for ${req.type} messages`;
    else if (!req.media.url && !req.media.data) fields.media = 'give media.url or media.data';
    else if (req.media.url && req.media.data) fields.media = 'give media.url or media.data, not both';
  }
  if (req.type === 'location' && !req.location) fields.location = 'required for location messages';
  if (req.type === 'contact' && !req.contact) fields.contact = 'required for contact messages';
  if (Object.keys(fields).length) throw invalidRequest('the message is missing parts its type needs', fields);
}

/** The caption of a media message: `caption`, else the agent's `body` (Django sends the typed text as body). */
export function captionOf(req) {
  if (!MEDIA_TYPES.has(req.type) || req.type === 'sticker' || req.type === 'voice' || req.type === 'audio') return null;
  return req.caption ?? (req.body || null);
}

/** A vCard 3.0 for a contact card, the form WhatsApp sends. */
export function buildVcard({ name, phone }) {
  const digits = String(phone).replace(/[^0-9]/g, '');
  const esc = (s) => String(s).replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/([,;])/g, '\\$1');
  return [
    'BEGIN:VCARD',
    'VERSION:3.0',
    `FN:${esc(name)}`,
    `TEL;type=CELL;type=VOICE;waid=${digits}:+${digits}`,
    'END:VCARD',
  ].join('\n');
}

/** Parse the first FN and waid/TEL out of a vCard (inbound contact cards). */
export function parseVcard(vcard) {
  const text = String(vcard || '');
  const name = text.match(/^FN:(.*)$/m)?.[1]?.trim() ?? null;
  const waid = text.match(/waid=([0-9]+)/)?.[1];
  const tel = text.match(/^TEL[^:]*:(.*)$/m)?.[1];
  const phone = waid || (tel ? tel.replace(/[^0-9]/g, '') : null) || null;
  return { name, phone, vcard: text };
}

/** Location body as WhatsApp shows it: "name\naddress". */
export const locationDescription = (loc) => [loc.name, loc.address].filter(Boolean).join('\n');

/**
 * WhatsApp plays a voice note (waveform, "played" ticks) only as OGG/Opus sent as a voice message
 * (whatsapp-web.js sendAudioAsVoice): an `audio/ogg` voice note is labelled `audio/ogg; codecs=opus`.
 * Other containers are passed as given (WhatsApp may refuse to play them as voice notes).
 */
export function voiceMimetype(mimetype) {
  return /^audio\/ogg\s*(;|$)/i.test(mimetype ?? '') ? 'audio/ogg; codecs=opus' : mimetype;
}
