import { describe, it, expect } from 'vitest';
import { initials, formatSize, formatDay, messagePreview, typeOfFile } from '../../../src/lib/format.js';

describe('format', () => {
  it('test_initials', () => {
    expect(initials('Budi Santoso')).toBe('BS');
    expect(initials('ana')).toBe('A');
    expect(initials('+62 812')).toBe('#');
    expect(initials('')).toBe('#');
  });
  it('test_sizes', () => {
    expect(formatSize(512)).toBe('512 B');
    expect(formatSize(2048)).toBe('2 KB');
    expect(formatSize(3.5 * 1024 * 1024)).toBe('3.5 MB');
  });
  it('test_day_labels', () => {
    const now = new Date(2026, 10, 25, 12);
    expect(formatDay(new Date(2026, 10, 25, 8), now)).toBe('Today');
    expect(formatDay(new Date(2026, 10, 24, 23), now)).toBe('Yesterday');
    expect(formatDay(new Date(2026, 9, 1), now)).toBe('01/10/2026');
  });
  it('test_previews', () => {
    expect(messagePreview({ type: 'image', caption: '' })).toBe('📷 Photo');
    expect(messagePreview({ type: 'text', body: 'hi', revoked: true })).toBe('This message was deleted');
    expect(messagePreview({ type: 'document', media: { filename: 'a.pdf' } })).toBe('📄 a.pdf');
  });
  it('test_file_types', () => {
    expect(typeOfFile({ type: 'image/png' })).toBe('image');
    expect(typeOfFile({ type: 'video/mp4' })).toBe('video');
    expect(typeOfFile({ type: 'application/pdf' })).toBe('document');
  });
});
