// The webhooks settings: an endpoint keeps seq order unless "In order" is unticked, and the CRM
// event names are among the events to choose.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { mount, flushPromises } from '@vue/test-utils';

vi.mock('../../../src/api/index.js', () => ({
  api: {
    webhooks: vi.fn(async () => []),
    createWebhook: vi.fn(async (body) => ({ id: 1, secret: 'whsec_x', ...body })),
  },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { default: WebhooksSection } = await import('../../../src/components/WebhooksSection.vue');

describe('WebhooksSection', () => {
  beforeEach(() => vi.clearAllMocks());

  it('test_an_endpoint_is_ordered_unless_unticked', async () => {
    const w = mount(WebhooksSection);
    await flushPromises();
    expect(w.find('[data-testid=webhook-ordered]').element.checked).toBe(true);
    await w.find('[data-testid=webhook-url]').setValue('https://crm.example.com/a');
    await w.find('[data-testid=webhook-form]').trigger('submit');
    await flushPromises();
    expect(api.createWebhook.mock.calls[0][0].ordered).toBe(true);

    await w.find('[data-testid=webhook-url]').setValue('https://crm.example.com/b');
    await w.find('[data-testid=webhook-ordered]').setValue(false);
    await w.find('[data-testid=webhook-form]').trigger('submit');
    await flushPromises();
    expect(api.createWebhook.mock.calls[1][0].ordered).toBe(false);
  });

  it('test_the_crm_event_names_can_be_chosen', async () => {
    const w = mount(WebhooksSection);
    await flushPromises();
    const names = w.findAll('fieldset code').map((c) => c.text());
    for (const name of ['message.received', 'message.sent', 'contact.created', 'contact.updated', 'contact.deleted']) {
      expect(names).toContain(name);
    }
  });
});
