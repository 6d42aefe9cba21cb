// Seeded randomness for the sandbox: the same seed and the same calls give the same numbers.
import crypto from 'node:crypto';

/** mulberry32: tiny, fast, good enough for simulations (not for secrets). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from any values (e.g. the session seed and its start generation). */
export function seedFrom(...parts) {
  return crypto.createHash('sha256').update(parts.join('\u0000')).digest().readUInt32LE(0);
}

export class Rng {
  constructor(seed) {
    this.next = mulberry32(seed);
  }

  int(min, max) {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick(list) {
    return list[Math.floor(this.next() * list.length)];
  }

  chars(n, alphabet) {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(this.next() * alphabet.length)];
    return s;
  }

  hex(n) {
    return this.chars(n, '0123456789ABCDEF');
  }

  digits(n) {
    return this.chars(n, '0123456789');
  }
}
