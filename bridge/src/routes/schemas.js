// Shared JSON schema pieces for the routes.
import { CHAT_ID_PATTERN } from '../lib/chatid.js';
import { TYPING_STATES } from '../contract/index.js';

export const SESSION_ID = { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,64}$' };
export const CHAT_ID = { type: 'string', pattern: CHAT_ID_PATTERN, maxLength: 64 };
export const WA_MESSAGE_ID = { type: 'string', minLength: 1, maxLength: 256 };

export const sessionParams = {
  type: 'object',
  required: ['id'],
  properties: { id: SESSION_ID },
};

export const paramsWith = (extra) => ({
  type: 'object',
  required: ['id', ...Object.keys(extra)],
  properties: { id: SESSION_ID, ...extra },
});

export const TYPING_STATE = { type: 'string', enum: [...TYPING_STATES] };

export const LOCATION = {
  type: 'object',
  required: ['latitude', 'longitude'],
  additionalProperties: false,
  properties: {
    latitude: { type: 'number', minimum: -90, maximum: 90 },
    longitude: { type: 'number', minimum: -180, maximum: 180 },
    name: { type: ['string', 'null'], maxLength: 256 },
    address: { type: ['string', 'null'], maxLength: 1024 },
  },
};

export const CONTACT = {
  type: 'object',
  required: ['name', 'phone'],
  additionalProperties: false,
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 256 },
    phone: { type: 'string', pattern: '^\\+?[0-9 ()-]{5,30}$' },
  },
};

// 64 MB of media as base64 is 4/3 of that; plus room for the rest of the JSON.
export const MEDIA_BODY_LIMIT = Math.ceil((64 * 1024 * 1024 * 4) / 3) + 1024 * 1024;

export const OK = { ok: true };
