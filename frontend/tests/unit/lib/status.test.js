import { describe, it, expect } from 'vitest';
import { nextStatus } from '../../../src/lib/status.js';

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

  it('test_failed_leaves_for_pending_or_sent_on_the_servers_current_word', () => {
    // a retry elsewhere: the server's frames / a fresh REST copy say pending, then sent
    expect(nextStatus('failed', 'pending', { authoritative: true })).toBe('pending');
    expect(nextStatus('failed', 'sent', { authoritative: true })).toBe('sent');
    // the server's word still never moves a tick backwards
    expect(nextStatus('delivered', 'pending', { authoritative: true })).toBe('delivered');
    expect(nextStatus('sent', 'pending', { authoritative: true })).toBe('sent');
    expect(nextStatus('read', 'failed', { authoritative: true })).toBe('read');
    expect(nextStatus('failed', 'bogus', { authoritative: true })).toBe('failed');
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
