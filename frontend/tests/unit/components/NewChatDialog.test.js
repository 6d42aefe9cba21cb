// The New chat dialog sends the number as typed (the server parses local and international forms)
// and carries no pattern for the browser to validate (Chromium logged an invalid one on every open).
import { describe, it, expect } from 'vitest';
import { mount } from '@vue/test-utils';
import NewChatDialog from '../../../src/components/NewChatDialog.vue';

describe('NewChatDialog', () => {
  it('test_the_local_format_is_sent_as_typed', async () => {
    const w = mount(NewChatDialog);
    await w.find('[data-testid=new-chat-phone]').setValue('  0812-3456-7890 ');
    await w.find('[data-testid=new-chat-name]').setValue(' Budi ');
    await w.find('form').trigger('submit');
    expect(w.emitted('create')).toEqual([[{ phone: '0812-3456-7890', name: 'Budi' }]]);
  });

  it('test_only_an_empty_number_is_refused_in_the_browser', async () => {
    const w = mount(NewChatDialog);
    const input = w.find('[data-testid=new-chat-phone]');
    expect(input.attributes('pattern')).toBeUndefined();
    await input.setValue('   ');
    await w.find('form').trigger('submit');
    expect(w.emitted('create')).toBeUndefined();
    await input.setValue('(021) 555 0199');
    await w.find('form').trigger('submit');
    expect(w.emitted('create')[0][0].phone).toBe('(021) 555 0199');
  });

  it('test_the_servers_sentence_is_shown', () => {
    const w = mount(NewChatDialog, { props: { error: 'Not a phone number in Indonesia: 12.' } });
    expect(w.find('[data-testid=new-chat-error]').text()).toBe('Not a phone number in Indonesia: 12.');
  });
});
