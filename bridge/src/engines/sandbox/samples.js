// Small sample files the sandbox ships for customers' media (generated offline with ffmpeg and a
// hand-written PDF; each a few KB). "sample:<kind>" in the inbound control route picks one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidRequest } from '../../errors.js';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'samples');

export const SAMPLES = Object.freeze({
  image: { file: 'sample.jpg', mimetype: 'image/jpeg' },
  png: { file: 'sample.png', mimetype: 'image/png' },
  voice: { file: 'sample-voice.ogg', mimetype: 'audio/ogg; codecs=opus' },
  audio: { file: 'sample-audio.mp3', mimetype: 'audio/mpeg' },
  video: { file: 'sample-video.mp4', mimetype: 'video/mp4' },
  document: { file: 'sample.pdf', mimetype: 'application/pdf' },
  sticker: { file: 'sample-sticker.webp', mimetype: 'image/webp' },
});

const cache = new Map();

/** {data, mimetype, filename} of a sample; read once, then shared. */
export function loadSample(kind) {
  const sample = SAMPLES[kind];
  if (!sample) throw invalidRequest(`unknown sample ${kind}`, { media: `one of ${Object.keys(SAMPLES).map((k) => `sample:${k}`).join(', ')}` });
  if (!cache.has(kind)) cache.set(kind, fs.readFileSync(path.join(DIR, sample.file)));
  return { data: cache.get(kind), mimetype: sample.mimetype, filename: sample.file };
}
