import { describe, it, expect } from 'vitest';
import { nextStatus } from '../../src/lib/status.js';

describe('nextStatus', () => {
  it('moves forward along pending < sent < delivered < read < played', () => {
    expect(nextStatus('pending', 'sent')).toBe('sent');
    expect(nextStatus('sent', 'delivered')).toBe('delivered');
    expect(nextStatus('delivered', 'read')).toBe('read');
    expect(nextStatus('read', 'played')).toBe('played');
    expect(nextStatus('pending', 'read')).toBe('read');
  });

  it('never moves backwards', () => {
    expect(nextStatus('read', 'sent')).toBe('read');
    expect(nextStatus('delivered', 'pending')).toBe('delivered');
    expect(nextStatus('played', 'read')).toBe('played');
  });

  it('fails only from pending or sent', () => {
    expect(nextStatus('pending', 'failed')).toBe('failed');
    expect(nextStatus('sent', 'failed')).toBe('failed');
    expect(nextStatus('delivered', 'failed')).toBe('delivered');
    expect(nextStatus('read', 'failed')).toBe('read');
  });

  it('leaves failed for pending only explicitly (a retry)', () => {
    expect(nextStatus('failed', 'pending')).toBe('failed');
    expect(nextStatus('failed', 'sent')).toBe('failed');
    expect(nextStatus('failed', 'pending', { explicit: true })).toBe('pending');
  });

  it('takes delivery evidence over a failure', () => {
    expect(nextStatus('failed', 'delivered')).toBe('delivered');
    expect(nextStatus('failed', 'read')).toBe('read');
  });

  it('is idempotent', () => {
    expect(nextStatus('sent', 'sent')).toBe('sent');
    expect(nextStatus('failed', 'failed')).toBe('failed');
    expect(nextStatus(undefined, 'sent')).toBe('sent');
    expect(nextStatus('sent', undefined)).toBe('sent');
  });
});
