import { describe, it, expect } from 'vitest';
import { mount } from '@vue/test-utils';
import SessionCard from '../../../src/components/SessionCard.vue';
import { setLocale } from '../../../src/i18n/index.js';

const base = { id: 's1', name: 'Sales', engine: 'webjs', phone: '', status: 'failed', reason: 'net::ERR_NAME_NOT_RESOLVED at https://web.whatsapp.com', reason_code: 'network_unreachable', pairing_code: '', qr: null, qr_svg: null };

describe('SessionCard', () => {
  it('test_a_failure_reads_as_a_sentence_with_the_raw_reason_behind_details', async () => {
    const w = mount(SessionCard, { props: { session: base } });
    expect(w.get('[data-testid=session-reason]').text()).toContain('Blazz cannot reach WhatsApp right now');
    expect(w.find('[data-testid=session-reason-details]').exists()).toBe(false);
    await w.get('[data-testid=session-reason-details-toggle]').trigger('click');
    expect(w.get('[data-testid=session-reason-details]').text()).toBe(base.reason);
  });

  it('test_the_sentence_is_indonesian_for_an_indonesian_agent', () => {
    setLocale('id', { remember: false });
    const w = mount(SessionCard, { props: { session: { ...base, reason_code: 'logged_out_from_phone' } } });
    expect(w.get('[data-testid=session-reason]').text()).toContain('Nomor ini diputus dari ponsel');
    expect(w.get('[data-testid=session-status]').text()).toBe('Gagal');
  });

  it('test_an_unknown_code_falls_back_to_the_unknown_sentence', () => {
    const w = mount(SessionCard, { props: { session: { ...base, reason_code: 'martian' } } });
    expect(w.get('[data-testid=session-reason]').text()).toContain('Something went wrong with this number');
  });

  it('test_link_with_phone_number_asks_for_a_code_and_shows_it', async () => {
    const session = { ...base, status: 'qr', reason: '', reason_code: '', qr: 'data:image/png;base64,AA==' };
    const w = mount(SessionCard, { props: { session } });
    await w.get('[data-testid=session-pair-toggle]').trigger('click');
    expect(w.find('[data-testid=session-qr]').exists()).toBe(false);
    await w.get('[data-testid=session-pair-phone]').setValue('+62 812 1111 1111');
    await w.get('form').trigger('submit');
    expect(w.emitted('pair')[0]).toEqual(['+62 812 1111 1111']);
    await w.setProps({ session: { ...session, pairing_code: 'ABCD1234' } });
    expect(w.get('[data-testid=session-pairing-code]').text()).toBe('ABCD-1234');
  });
});
