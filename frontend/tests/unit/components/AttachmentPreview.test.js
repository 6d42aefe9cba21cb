import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';
import { setActivePinia, createPinia } from 'pinia';

vi.mock('../../../src/api/index.js', () => ({
  api: { sendMessage: vi.fn(), uploadMedia: vi.fn(), messages: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { default: AttachmentPreview } = await import('../../../src/components/AttachmentPreview.vue');
const { useMessagesStore } = await import('../../../src/stores/messages/index.js');

let n = 0;
beforeEach(() => {
  URL.createObjectURL = vi.fn(() => `blob:preview-${++n}`);
  URL.revokeObjectURL = vi.fn();
});
afterEach(() => {
  delete URL.createObjectURL;
  delete URL.revokeObjectURL;
});

const photo = () => new File(['png'], 'photo.png', { type: 'image/png' });

describe('AttachmentPreview object URLs', () => {
  it('test_closed_without_sending_its_urls_are_revoked', async () => {
    // cancelled
    const a = mount(AttachmentPreview, { props: { files: [photo()] } });
    const url = a.find('img').attributes('src');
    await a.find('button[aria-label=Close]').trigger('click');
    a.unmount();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(url);
    // closed by opening another chat (the thread goes away)
    const b = mount(AttachmentPreview, { props: { files: [photo()] } });
    const other = b.find('img').attributes('src');
    b.unmount();
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(other);
    // other files picked while open
    const c = mount(AttachmentPreview, { props: { files: [photo()] } });
    const first = c.find('img').attributes('src');
    await c.setProps({ files: [photo()] });
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(first);
    c.unmount();
  });

  it('test_sent_its_urls_go_to_the_bubbles_and_are_revoked_once_the_server_copy_shows', async () => {
    setActivePinia(createPinia());
    const w = mount(AttachmentPreview, { props: { files: [photo()] } });
    await w.find('[data-testid=attachment-send]').trigger('click');
    const [{ items }] = w.emitted('send')[0];
    w.unmount();
    expect(URL.revokeObjectURL).not.toHaveBeenCalled(); // the bubble shows it while it uploads
    const messages = useMessagesStore();
    api.uploadMedia.mockResolvedValueOnce({ id: 'm1', url: '/api/v1/media/m1/', mimetype: 'image/png', filename: 'photo.png', size: 3, ready: true });
    api.sendMessage.mockImplementationOnce(async (contactId, body) => ({
      id: 500, contact_id: contactId, client_id: body.client_id, direction: 'out', type: 'image', status: 'pending',
      media: { id: 'm1', url: '/api/v1/media/m1/', mimetype: 'image/png', filename: 'photo.png', size: 3, ready: true },
      timestamp: new Date().toISOString(), created_at: new Date().toISOString(),
    }));
    const key = await messages.sendMedia(12, items[0].file, { type: 'image', previewUrl: items[0].url });
    await flushPromises();
    expect(messages.byKey[key].media.url).toBe('/api/v1/media/m1/');
    expect(URL.revokeObjectURL).toHaveBeenCalledWith(items[0].url);
    expect(messages.byKey[key]._local.preview).toBe(null);
  });
});

describe('AttachmentPreview size limit', () => {
  const big = (name = 'film.mov', size = 70 * 1024 * 1024) => {
    const file = new File(['x'], name, { type: 'video/quicktime' });
    Object.defineProperty(file, 'size', { value: size });
    return file;
  };

  it('test_a_file_over_the_limit_cannot_be_sent_and_says_why', async () => {
    const w = mount(AttachmentPreview, { props: { files: [big()], maxBytes: 64 * 1024 * 1024 } });
    expect(w.find('[data-testid=attachment-too-large]').text()).toContain('film.mov is 70 MB: files up to 64 MB can be sent.');
    expect(w.find('[data-testid=attachment-send]').attributes('disabled')).toBeDefined();
    await w.find('[data-testid=attachment-send]').trigger('click');
    expect(w.emitted('send')).toBeUndefined();
  });

  it('test_another_file_replaces_it_and_can_be_sent', async () => {
    const w = mount(AttachmentPreview, { props: { files: [big()], maxBytes: 64 * 1024 * 1024 } });
    const input = w.find('[data-testid=attachment-replace-input]');
    Object.defineProperty(input.element, 'files', { value: [photo()], configurable: true });
    await input.trigger('change');
    expect(w.find('[data-testid=attachment-too-large]').exists()).toBe(false);
    await w.find('[data-testid=attachment-send]').trigger('click');
    expect(w.emitted('send')[0][0].items.map((i) => i.file.name)).toEqual(['photo.png']);
  });

  it('test_removing_it_keeps_the_others_and_the_last_one_closes_the_preview', async () => {
    const w = mount(AttachmentPreview, { props: { files: [big(), photo()], maxBytes: 64 * 1024 * 1024 } });
    await w.find('[data-testid=attachment-remove]').trigger('click');
    expect(w.find('[data-testid=attachment-too-large]').exists()).toBe(false);
    await w.find('[data-testid=attachment-send]').trigger('click');
    expect(w.emitted('send')[0][0].items.map((i) => i.file.name)).toEqual(['photo.png']);
    const alone = mount(AttachmentPreview, { props: { files: [big()], maxBytes: 64 * 1024 * 1024 } });
    await alone.find('[data-testid=attachment-remove]').trigger('click');
    expect(alone.emitted('cancel')).toHaveLength(1);
  });
});
