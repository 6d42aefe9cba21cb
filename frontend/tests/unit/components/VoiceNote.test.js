import { describe, it, expect } from 'vitest';
import { mount } from '@vue/test-utils';
import VoiceNote from '../../../src/components/VoiceNote.vue';
import { setLocale } from '../../../src/i18n/index.js';
import { makeMessage } from '../helpers.js';

function voice(overrides = {}) {
  return makeMessage({
    type: 'voice', body: '', direction: 'out', status: 'delivered',
    media: { id: 'm1', url: '/media/v.ogg', ready: true, mimetype: 'audio/ogg', duration: 30, waveform: Array.from({ length: 64 }, (_, i) => i), filename: 'v.ogg', size: 1, status: 'ready' },
    ...overrides,
  });
}

describe('VoiceNote', () => {
  it('test_shows_the_servers_waveform_and_duration', () => {
    const w = mount(VoiceNote, { props: { message: voice(), url: '/media/v.ogg' } });
    expect(w.findAll('[data-testid=voice-waveform] i')).toHaveLength(64);
    expect(w.get('[data-testid=voice-duration]').text()).toBe('0:30');
    expect(w.find('[data-testid=voice-played]').exists()).toBe(false);
  });

  it('test_bars_fill_as_it_plays_and_the_clock_shows_the_time_played', async () => {
    const w = mount(VoiceNote, { props: { message: voice(), url: '/media/v.ogg' } });
    const audio = w.get('audio');
    Object.defineProperty(audio.element, 'currentTime', { value: 15, configurable: true });
    await audio.trigger('timeupdate');
    expect(w.findAll('[data-testid=voice-waveform] i.is-filled')).toHaveLength(32);
    expect(w.get('[data-testid=voice-duration]').text()).toBe('0:15');
    expect(w.get('[data-testid=voice-waveform]').attributes('aria-valuenow')).toBe('15');
  });

  it('test_speed_cycles_one_one_and_a_half_two', async () => {
    const w = mount(VoiceNote, { props: { message: voice(), url: '/media/v.ogg' } });
    const button = w.get('[data-testid=voice-speed]');
    expect(button.text()).toBe('1×');
    await button.trigger('click');
    expect(button.text()).toBe('1.5×');
    expect(w.get('audio').element.playbackRate).toBe(1.5);
    await button.trigger('click');
    expect(button.text()).toBe('2×');
    await button.trigger('click');
    expect(button.text()).toBe('1×');
  });

  it('test_a_played_ack_turns_the_mic_blue', () => {
    const w = mount(VoiceNote, { props: { message: voice({ status: 'played' }), url: '/media/v.ogg' } });
    expect(w.get('.voice-note__mic').classes()).toContain('is-played');
    expect(w.get('[data-testid=voice-played]').text()).toBe('Played');
  });

  it('test_labels_follow_the_language', () => {
    setLocale('id', { remember: false });
    const w = mount(VoiceNote, { props: { message: voice(), url: '/media/v.ogg' } });
    expect(w.get('[data-testid=voice-play]').attributes('aria-label')).toBe('Putar pesan suara');
  });

  it('test_without_a_waveform_yet_it_draws_flat_bars', () => {
    const w = mount(VoiceNote, { props: { message: voice({ media: { url: '/x', ready: true } }), url: '/x' } });
    expect(w.findAll('[data-testid=voice-waveform] i')).toHaveLength(64);
    expect(w.get('[data-testid=voice-duration]').text()).toBe('0:00');
  });
});
