import { describe, it, expect, beforeEach, afterEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';

vi.mock('../../../src/api/index.js', () => ({
  api: { mutes: vi.fn(), mute: vi.fn(), unmute: vi.fn() },
}));
const { api } = await import('../../../src/api/index.js');
const { useMutesStore } = await import('../../../src/stores/mutes.js');

const HOUR = 3600 * 1000;

describe('mutes store', () => {
  let mutes;
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    vi.useFakeTimers({ now: new Date('2026-12-03T10:00:00Z') });
    mutes = useMutesStore();
  });
  afterEach(() => vi.useRealTimers());

  it('test_loads_the_servers_list_and_hands_over_this_browsers_own_once', async () => {
    localStorage.setItem('blazz.muted.acme', '[4]');
    api.mute.mockResolvedValue({ contact_id: 4, muted_until: null });
    api.mutes.mockResolvedValue([{ contact_id: 4, muted_until: null }, { contact_id: 5, muted_until: '2026-12-03T18:00:00Z' }]);
    await mutes.load('acme');
    expect(api.mute).toHaveBeenCalledWith(4, null);
    expect([mutes.isMuted(4), mutes.isMuted(5), mutes.isMuted(6)]).toEqual([true, true, false]);
    expect(localStorage.getItem('blazz.muted.acme')).toBe(null);
  });

  it('test_a_mute_until_a_time_ends_by_itself', async () => {
    api.mute.mockImplementation(async (id, until) => ({ contact_id: id, muted_until: until }));
    await mutes.mute(7, 8 * HOUR);
    expect(api.mute).toHaveBeenCalledWith(7, '2026-12-03T18:00:00.000Z');
    expect(mutes.isMuted(7)).toBe(true);
    vi.advanceTimersByTime(8 * HOUR + 100);
    expect(mutes.isMuted(7)).toBe(false);
  });

  it('test_a_refused_mute_is_undone', async () => {
    api.mute.mockRejectedValue(new Error('nope'));
    await expect(mutes.mute(7)).rejects.toThrow('nope');
    expect(mutes.isMuted(7)).toBe(false);
    api.mutes.mockResolvedValue([{ contact_id: 7, muted_until: null }]);
    await mutes.load();
    api.unmute.mockRejectedValue(new Error('down'));
    await expect(mutes.unmute(7)).rejects.toThrow('down');
    expect(mutes.isMuted(7)).toBe(true);
  });

  it('test_another_devices_frame_mutes_and_unmutes_here', () => {
    mutes.applyFrame({ type: 'chat.muted', contact_id: 9, user_id: 1, muted: true, muted_until: null });
    expect(mutes.isMuted(9)).toBe(true);
    mutes.applyFrame({ type: 'chat.muted', contact_id: 9, user_id: 1, muted: false, muted_until: null });
    expect(mutes.isMuted(9)).toBe(false);
  });
});
