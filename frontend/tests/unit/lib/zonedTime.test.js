import { describe, expect, it } from 'vitest';
import { fromZonedInput, toZonedInput } from '../../../src/lib/zonedTime.js';

describe('zoned wall-clock times', () => {
  it('reads 14:00 in Jakarta as 07:00 UTC and shows it back', () => {
    const at = fromZonedInput('2026-12-03T14:00', 'Asia/Jakarta');
    expect(at.toISOString()).toBe('2026-12-03T07:00:00.000Z');
    expect(toZonedInput(at, 'Asia/Jakarta')).toBe('2026-12-03T14:00');
    expect(toZonedInput(at, 'Asia/Jayapura')).toBe('2026-12-03T16:00');
  });

  it('follows a daylight-saving zone on each side of its change', () => {
    expect(fromZonedInput('2026-03-29T03:30', 'Europe/Amsterdam').toISOString()).toBe('2026-03-29T01:30:00.000Z');
    expect(fromZonedInput('2026-03-28T03:30', 'Europe/Amsterdam').toISOString()).toBe('2026-03-28T02:30:00.000Z');
  });

  it('says null for what is not a time', () => {
    expect(fromZonedInput('', 'UTC')).toBeNull();
    expect(fromZonedInput('tomorrow', 'UTC')).toBeNull();
  });
});
