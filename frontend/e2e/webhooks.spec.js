// Settings -> Webhooks: an owner adds a CRM endpoint (a real HTTP receiver in this test process),
// sees its secret once, sends a test event that arrives signed (Standard Webhooks: checked here
// with node's crypto, as the spec defines it), reads the delivery log, rotates the secret.
import http from 'node:http';
import crypto from 'node:crypto';
import { test, expect, screenshot } from './fixtures.js';

function receiver() {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      requests.push({ headers: req.headers, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, requests, url: `http://127.0.0.1:${server.address().port}/hooks` })));
}

function signed(secret, { headers, body }) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = crypto.createHmac('sha256', key).update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`).digest('base64');
  return headers['webhook-signature'].split(' ').includes(`v1,${expected}`);
}

test('settings: add a webhook endpoint, send a test event that arrives signed, rotate its secret', async ({ page }) => {
  const crm = await receiver();
  try {
    await page.goto('/settings');
    const section = page.getByTestId('webhooks');
    await expect(section).toBeVisible();
    await section.getByTestId('webhook-url').fill(crm.url);
    await section.getByRole('checkbox', { name: 'message.new' }).check();
    await section.getByTestId('webhook-add').click();

    const endpoint = section.locator('[data-testid=webhook]', { hasText: crm.url });
    await expect(endpoint.getByTestId('webhook-state')).toHaveText('enabled');
    const secret = (await endpoint.getByTestId('webhook-secret').innerText()).trim();
    expect(secret).toMatch(/^whsec_/);

    await endpoint.getByTestId('webhook-test').click();
    await expect(endpoint.locator('[data-testid=webhook-delivery][data-status=succeeded]')).toHaveCount(1);
    expect(crm.requests).toHaveLength(1);
    expect(JSON.parse(crm.requests[0].body).type).toBe('webhook.test');
    expect(signed(secret, crm.requests[0])).toBe(true);
    await screenshot(page, 'settings-webhooks');

    page.once('dialog', (d) => d.accept());
    await endpoint.getByTestId('webhook-rotate').click();
    await expect(endpoint.getByTestId('webhook-secret')).not.toHaveText(secret);
    const rotated = (await endpoint.getByTestId('webhook-secret').innerText()).trim();
    await endpoint.getByTestId('webhook-test').click();
    await expect.poll(() => crm.requests.length).toBe(2);
    // For 24 h both secrets sign: a receiver still holding the old one accepts it.
    expect(signed(rotated, crm.requests[1]) && signed(secret, crm.requests[1])).toBe(true);
  } finally {
    crm.server.close();
  }
});
