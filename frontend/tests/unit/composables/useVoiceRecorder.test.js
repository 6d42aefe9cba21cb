import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { effectScope } from 'vue';
import { useVoiceRecorder, pickVoiceMimeType, compactWaveform } from '../../../src/composables/useVoiceRecorder.js';

// A MediaRecorder and a microphone, and no Web Audio (jsdom has none): no analyser, no waveform.
class FakeRecorder {
  static isTypeSupported = (t) => t.startsWith('audio/webm');
  static instances = [];
  constructor(stream, opts) {
    this.stream = stream;
    this.mimeType = opts?.mimeType || 'audio/webm';
    this.state = 'inactive';
    FakeRecorder.instances.push(this);
  }
  start() {
    this.state = 'recording';
  }
  stop() {
    this.state = 'inactive';
    this.ondataavailable?.({ data: new Blob(['opus'], { type: 'audio/webm' }) });
    setTimeout(() => this.onstop?.(), 0); // as the browser does: later
  }
}

describe('useVoiceRecorder', () => {
  let clock;
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
    FakeRecorder.instances = [];
    vi.stubGlobal('MediaRecorder', FakeRecorder);
    vi.stubGlobal('navigator', { mediaDevices: { getUserMedia: vi.fn(async () => ({ getTracks: () => [{ stop: vi.fn() }] })) } });
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  function advance(ms) {
    clock += ms;
    vi.advanceTimersByTime(ms);
  }

  it('test_without_an_analyser_the_duration_runs_and_the_cap_stops_and_delivers_it', async () => {
    const onLimit = vi.fn();
    const rec = effectScope().run(() => useVoiceRecorder({ maxSeconds: 10, onLimit, now: () => clock }));
    expect(rec.supported).toBe(true);
    expect(await rec.start()).toBe(true);
    expect(rec.state.value).toBe('recording');
    advance(4000);
    expect(rec.duration.value).toBeCloseTo(4, 0);
    advance(6000); // the cap
    expect(FakeRecorder.instances[0].state).toBe('inactive');
    await vi.runAllTimersAsync();
    expect(rec.state.value).toBe('idle');
    expect(onLimit).toHaveBeenCalledTimes(1);
    const result = onLimit.mock.calls[0][0];
    expect(result.duration).toBe(10);
    expect(result.mimetype).toBe('audio/webm');
    expect(result.blob.size).toBeGreaterThan(0);
  });

  it('test_the_agents_stop_gets_the_recording', async () => {
    const rec = effectScope().run(() => useVoiceRecorder({ maxSeconds: 60, now: () => clock }));
    await rec.start();
    advance(2500);
    const stopping = rec.stop();
    await vi.runAllTimersAsync();
    const result = await stopping;
    expect(result.duration).toBeCloseTo(2.5, 1);
    expect(rec.state.value).toBe('idle');
  });
});

describe('useVoiceRecorder helpers', () => {
  it('test_prefers_ogg_opus_then_webm_opus', () => {
    expect(pickVoiceMimeType({ isTypeSupported: () => true })).toBe('audio/ogg;codecs=opus');
    expect(pickVoiceMimeType({ isTypeSupported: (t) => t.startsWith('audio/webm') })).toBe('audio/webm;codecs=opus');
    expect(pickVoiceMimeType(undefined)).toBe('');
  });

  it('test_waveform_is_downsampled_to_peaks', () => {
    const levels = Array.from({ length: 96 }, (_, i) => (i % 2 ? 0.8 : 0.1));
    const bars = compactWaveform(levels, 48);
    expect(bars).toHaveLength(48);
    expect(bars.every((b) => b === 0.8)).toBe(true);
    expect(compactWaveform([], 4)).toEqual([0, 0, 0, 0]);
  });
});
