import { describe, it, expect, vi, afterEach } from 'vitest';
import { useTypingSender } from '../../../src/composables/useTypingSender.js';

describe('useTypingSender', () => {
  afterEach(() => vi.useRealTimers());

  it('test_sends_typing_at_most_every_2_5_s_and_paused_after_3_s_idle', () => {
    vi.useFakeTimers();
    let t = 0;
    const sent = [];
    const typing = useTypingSender((s) => sent.push(s), { now: () => t });
    for (let i = 0; i < 20; i += 1) {
      typing.onInput();
      t += 200;
      vi.advanceTimersByTime(200);
    }
    // 4 s of typing: one at 0 and one at 2.6 s
    expect(sent).toEqual(['typing', 'typing']);
    // the last key was 200 ms ago
    vi.advanceTimersByTime(2799);
    expect(sent).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sent).toEqual(['typing', 'typing', 'paused']);
  });

  it('test_sending_the_message_sends_paused_once', () => {
    vi.useFakeTimers();
    const sent = [];
    const typing = useTypingSender((s) => sent.push(s), { now: () => 0 });
    typing.onInput();
    typing.onStop();
    typing.onStop();
    vi.advanceTimersByTime(5000);
    expect(sent).toEqual(['typing', 'paused']);
  });
});

describe('useTypingSender, voice notes', () => {
  afterEach(() => vi.useRealTimers());

  it('test_a_voice_note_is_recording_until_it_ends', () => {
    vi.useFakeTimers();
    let t = 0;
    const sent = [];
    const typing = useTypingSender((s) => sent.push(s), { now: () => t });
    typing.onInput('typing');
    typing.onInput('recording'); // a new state goes at once, within the throttle
    expect(sent).toEqual(['typing', 'recording']);
    // no keystrokes while recording: refreshed before the server's 6 s expiry, never "paused" by idleness
    t += 7000;
    vi.advanceTimersByTime(7000);
    expect(sent).toEqual(['typing', 'recording', 'recording', 'recording']);
    typing.onInput('paused'); // sent or cancelled
    t += 10_000;
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual(['typing', 'recording', 'recording', 'recording', 'paused']);
  });
});
