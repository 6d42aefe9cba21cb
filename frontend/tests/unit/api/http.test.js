import { describe, it, expect, vi, beforeEach, afterEach } from 'vitest';
import { request, readCookie, apiUrl, ApiError } from '../../../src/api/http.js';

function response(status, body) {
  return { ok: status >= 200 && status < 300, status, statusText: '', json: async () => body, text: async () => (body == null ? '' : JSON.stringify(body)) };
}

describe('http client', () => {
  let assign;
  beforeEach(() => {
    document.cookie = 'blazz_csrftoken=tok123';
    assign = vi.fn();
    vi.stubGlobal('location', { ...window.location, pathname: '/chats/4', search: '', hash: '', assign });
    vi.spyOn(window.location, 'assign').mockImplementation(assign);
  });
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('test_sends_csrf_on_unsafe_methods_and_same_origin_credentials', async () => {
    const fetch = vi.fn(async () => response(201, { id: 1 }));
    vi.stubGlobal('fetch', fetch);
    await request('POST', '/contacts/', { body: { phone: '+62' } });
    const [url, init] = fetch.mock.calls[0];
    expect(url).toBe('/api/v1/contacts/');
    expect(init.headers['X-CSRFToken']).toBe('tok123');
    expect(init.credentials).toBe('same-origin');
    await request('GET', '/chats/', { query: { q: 'budi', cursor: undefined } });
    expect(fetch.mock.calls[1][0]).toBe('/api/v1/chats/?q=budi');
    expect(fetch.mock.calls[1][1].headers['X-CSRFToken']).toBeUndefined();
  });

  it('test_errors_carry_the_api_code', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => response(409, { error: { code: 'session_not_connected', message: 'No session', fields: {} } })));
    const err = await request('POST', '/contacts/1/messages/', { body: {} }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('session_not_connected');
    expect(err.status).toBe(409);
  });

  it('test_network_failure_is_status_0', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => { throw new TypeError('Failed to fetch'); }));
    const err = await request('GET', '/chats/').catch((e) => e);
    expect(err.isNetwork).toBe(true);
  });

  it('test_cursor_urls_stay_same_origin', () => {
    expect(apiUrl('http://demo.localhost:8000/api/v1/chats/?cursor=abc')).toBe('/api/v1/chats/?cursor=abc');
  });

  it('test_reads_the_cookie', () => {
    expect(readCookie('blazz_csrftoken', 'a=1; blazz_csrftoken=x%3Dy')).toBe('x=y');
  });
});
