import { describe, it, expect } from 'vitest';
import { mount } from '@vue/test-utils';
import MessageTicks from '../../../src/components/MessageTicks.vue';
import JumpToBottom from '../../../src/components/JumpToBottom.vue';
import { forgetLearnedAspects } from '../../../src/lib/mediaBox.js';
import MessageText from '../../../src/components/MessageText.vue';
import MessageBubble from '../../../src/components/MessageBubble.vue';
import ChatListItem from '../../../src/components/ChatListItem.vue';
import { makeMessage, makeChat } from '../helpers.js';

describe('MessageTicks', () => {
  const cases = [
    ['pending', 'clock', 1],
    ['sent', 'single', 1],
    ['delivered', 'double', 2],
    ['read', 'double-blue', 2],
    ['played', 'double-blue', 2],
    ['failed', 'failed', 0],
  ];
  it.each(cases)('test_%s_shows_the_%s_mark', (status, kind, paths) => {
    const w = mount(MessageTicks, { props: { status } });
    expect(w.classes()).toContain(`ticks--${kind}`);
    expect(w.attributes('data-status')).toBe(status);
    expect(w.find('svg').exists()).toBe(true);
    if (kind !== 'clock' && kind !== 'failed') expect(w.findAll('path')).toHaveLength(paths);
    if (kind === 'clock') expect(w.find('circle').exists()).toBe(true);
  });

  it('test_labels_the_state_for_screen_readers', () => {
    expect(mount(MessageTicks, { props: { status: 'read' } }).attributes('aria-label')).toBe('Read');
    expect(mount(MessageTicks, { props: { status: 'failed' } }).attributes('aria-label')).toBe('Not sent');
  });
});

describe('JumpToBottom', () => {
  it('test_hidden_at_the_bottom_without_news', () => {
    expect(mount(JumpToBottom, { props: { visible: false, count: 0 } }).find('button').exists()).toBe(false);
  });

  it('test_shown_whenever_away_from_the_bottom_and_counts_the_news', async () => {
    const w = mount(JumpToBottom, { props: { visible: true, count: 0 } });
    expect(w.find('[data-testid=jump-to-bottom]').exists()).toBe(true);
    expect(w.find('[data-testid=new-messages-pill]').exists()).toBe(false); // no count without news
    await w.setProps({ count: 3 });
    expect(w.text()).toContain('3 new messages');
    await w.find('button').trigger('click');
    expect(w.emitted('jump')).toHaveLength(1);
    await w.setProps({ count: 1 });
    expect(w.text()).toContain('1 new message');
    expect(w.text()).not.toContain('messages');
  });
});

describe('MessageText', () => {
  it('test_html_in_a_body_is_shown_not_run', () => {
    const body = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script><b>bold</b>';
    const w = mount(MessageText, { props: { text: body } });
    expect(w.find('img').exists()).toBe(false);
    expect(w.find('script').exists()).toBe(false);
    expect(w.find('b').exists()).toBe(false);
    expect(w.text()).toBe(body);
    expect(window.__pwned).toBeUndefined();
  });

  it('test_links_are_safe', () => {
    const w = mount(MessageText, { props: { text: 'see https://example.com/a?b=1, or www.example.org. Not javascript:alert(1)' } });
    const links = w.findAll('a');
    expect(links.map((a) => a.attributes('href'))).toEqual(['https://example.com/a?b=1', 'https://www.example.org/']);
    for (const a of links) {
      expect(a.attributes('rel')).toBe('noopener noreferrer');
      expect(a.attributes('target')).toBe('_blank');
    }
    expect(w.text()).toContain('javascript:alert(1)');
  });

  it('test_a_link_cannot_smuggle_markup', () => {
    const w = mount(MessageText, { props: { text: 'http://x.test/"><svg/onload=alert(1)>' } });
    expect(w.find('svg').exists()).toBe(false);
    for (const a of w.findAll('a')) expect(a.attributes('href')).toMatch(/^http:\/\/x\.test\//);
  });
});

describe('MessageBubble', () => {
  it('test_failed_outbound_shows_a_red_mark_and_retry', async () => {
    const w = mount(MessageBubble, { props: { message: { ...makeMessage({ direction: 'out', status: 'failed', failure_reason: 'Bridge down' }), _key: 'k' } } });
    expect(w.find('.ticks--failed').exists()).toBe(true);
    expect(w.find('[data-testid=failed]').text()).toContain('Bridge down');
    await w.find('[data-testid=retry]').trigger('click');
    expect(w.emitted('retry')).toHaveLength(1);
  });

  it('test_deleted_by_the_customer_keeps_the_original_behind_a_toggle', async () => {
    const w = mount(MessageBubble, { props: { message: { ...makeMessage({ body: 'the original', revoked: true }), _key: 'k' } } });
    expect(w.find('[data-testid=deleted-mark]').text()).toContain('This message was deleted');
    expect(w.find('[data-testid=original]').exists()).toBe(false);
    await w.find('[data-testid=show-original]').trigger('click');
    expect(w.find('[data-testid=original]').text()).toContain('the original');
  });

  it('test_edited_quoted_and_reacted', () => {
    const message = makeMessage({
      body: 'new text', edited: true, edits: [{ body: 'old text', edited_at: 'x' }],
      reply_to: { id: 1, type: 'text', body: 'quoted text', direction: 'out' },
      reactions: [{ emoji: '👍', from: 'customer', user_id: null }, { emoji: '👍', from: 'agent', user_id: 2 }],
    });
    const w = mount(MessageBubble, { props: { message: { ...message, _key: 'k' } } });
    expect(w.find('[data-testid=edited-mark]').attributes('title')).toContain('old text');
    expect(w.find('[data-testid=quote]').text()).toContain('quoted text');
    expect(w.find('[data-testid=reactions]').text()).toBe('👍2');
  });

  it('test_a_quote_of_the_contacts_message_names_them', () => {
    const theirs = makeMessage({ direction: 'out', reply_to: { id: 1, type: 'text', body: 'where is my parcel?', direction: 'in' } });
    const w = mount(MessageBubble, { props: { message: { ...theirs, _key: 'k' }, contactName: 'Budi Santoso' } });
    expect(w.find('[data-testid=quote-author]').text()).toBe('Budi Santoso');
    const ours = makeMessage({ reply_to: { id: 2, type: 'text', body: 'it left today', direction: 'out' } });
    const o = mount(MessageBubble, { props: { message: { ...ours, _key: 'k2' }, contactName: 'Budi Santoso' } });
    expect(o.find('[data-testid=quote-author]').text()).toBe('You');
  });

  it('test_a_failed_upload_offers_what_can_work_and_spins_for_nothing', async () => {
    const message = {
      ...makeMessage({ id: null, direction: 'out', type: 'document', status: 'failed', failure_reason: 'Files are limited to 64 MB.',
        media: { id: null, url: null, mimetype: 'application/pdf', filename: 'big.pdf', size: 70 * 1024 * 1024, ready: true } }),
      _key: 'c:x',
      _local: { posted: false, progress: null, file: null },
    };
    const w = mount(MessageBubble, { props: { message, recovery: { retry: false, replace: true, remove: true } } });
    expect(w.find('[data-testid=failure-reason]').text()).toBe('Not sent: Files are limited to 64 MB.');
    expect(w.find('[data-testid=retry]').exists()).toBe(false);
    expect(w.find('.spinner').exists()).toBe(false);
    expect(w.find('[data-testid=media-local-file]').text()).toContain('big.pdf');
    await w.find('[data-testid=remove-message]').trigger('click');
    expect(w.emitted('remove')).toHaveLength(1);
    const input = w.find('[data-testid=replace-file-input]');
    const file = new File(['%PDF'], 'small.pdf', { type: 'application/pdf' });
    Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
    await input.trigger('change');
    expect(w.emitted('replace')[0][0]).toBe(file);
  });

  it('test_media_placeholder_until_ready', async () => {
    const message = makeMessage({ type: 'image', media: { id: 'm', url: '/api/v1/media/m/', mimetype: 'image/jpeg', filename: 'a.jpg', size: 10, ready: false } });
    const w = mount(MessageBubble, { props: { message: { ...message, _key: 'k' } } });
    expect(w.find('[data-testid=media-placeholder]').exists()).toBe(true);
    await w.setProps({ message: { ...message, _key: 'k', media: { ...message.media, ready: true } } });
    expect(w.find('img').attributes('src')).toBe('/api/v1/media/m/');
  });

  it('test_a_pictures_box_is_reserved_before_it_loads_and_kept_once_learned', async () => {
    forgetLearnedAspects();
    const media = { id: 'p1', url: '/api/v1/media/p1/', mimetype: 'image/jpeg', filename: 'p.jpg', size: 10, ready: false };
    const message = { ...makeMessage({ type: 'image', media }), _key: 'k' };
    const w = mount(MessageBubble, { props: { message } });
    // the placeholder takes the box the picture will take (4:3 until its shape is known)
    expect(w.find('[data-testid=media-placeholder]').attributes('style')).toContain('width: 330px');
    expect(w.find('[data-testid=media-placeholder]').attributes('style')).toContain('aspect-ratio: 1.33');
    await w.setProps({ message: { ...message, media: { ...media, ready: true } } });
    const img = w.find('img');
    Object.defineProperty(img.element, 'naturalWidth', { value: 300 });
    Object.defineProperty(img.element, 'naturalHeight', { value: 600 });
    await img.trigger('load');
    const frame = w.find('.media__frame');
    expect(frame.attributes('style')).toContain('width: 165px'); // tall: the height is the long side
    expect(frame.attributes('style')).toContain('aspect-ratio: 0.5');
    // shown again (the windowed list renders the row anew): the box is right before the load
    const again = mount(MessageBubble, { props: { message: { ...message, media: { ...media, ready: true } } } });
    expect(again.find('.media__frame').attributes('style')).toContain('aspect-ratio: 0.5');
  });

  it('test_dimensions_from_the_server_size_the_box_at_once', () => {
    forgetLearnedAspects();
    const media = { id: 'v1', url: '/api/v1/media/v1/', mimetype: 'video/mp4', filename: 'v.mp4', size: 10, ready: true, width: 1920, height: 1080 };
    const w = mount(MessageBubble, { props: { message: { ...makeMessage({ type: 'video', media }), _key: 'k' } } });
    expect(w.find('video').attributes('style')).toContain('width: 330px');
    expect(w.find('video').attributes('style')).toContain(`aspect-ratio: ${1920 / 1080}`);
  });

  it('test_document_shows_name_and_size', () => {
    const message = makeMessage({ type: 'document', media: { id: 'd', url: '/api/v1/media/d/', mimetype: 'application/pdf', filename: 'invoice.pdf', size: 2048, ready: true } });
    const w = mount(MessageBubble, { props: { message: { ...message, _key: 'k' } } });
    const doc = w.find('[data-testid=media-document]');
    expect(doc.text()).toContain('invoice.pdf');
    expect(doc.text()).toContain('2 KB');
  });
});

describe('ChatListItem', () => {
  it('test_typing_replaces_the_preview', () => {
    const chat = makeChat({ last_message: makeMessage({ body: 'last words' }) });
    const w = mount(ChatListItem, { props: { chat, typing: { state: 'typing', from: 'contact' } } });
    expect(w.find('[data-testid=chat-typing]').text()).toBe('typing...');
    expect(w.text()).not.toContain('last words');
  });

  it('test_outbound_preview_has_its_tick_and_unread_badge', () => {
    const chat = makeChat({ unread_count: 4, last_message: makeMessage({ direction: 'out', status: 'delivered', body: 'ok' }) });
    const w = mount(ChatListItem, { props: { chat } });
    expect(w.find('.ticks').attributes('data-status')).toBe('delivered');
    expect(w.find('[data-testid=unread-badge]').text()).toBe('4');
  });
});
