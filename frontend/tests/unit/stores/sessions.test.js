import { describe, it, expect, beforeEach, vi } from 'vitest';
import { setActivePinia, createPinia } from 'pinia';

vi.mock('../../../src/api/index.js', () => ({
  api: { sessions: vi.fn(), createSession: vi.fn(), logoutSession: vi.fn() },
  pageOf: (a) => (Array.isArray(a) ? { next: null, results: a } : a),
}));
const { api } = await import('../../../src/api/index.js');
const { useSessionsStore } = await import('../../../src/stores/sessions.js');

const session = (o = {}) => ({ id: 'ws_demo.1', name: 'Sales', engine: 'sandbox', status: 'qr', phone: '', reason: '', qr: 'data:image/png;base64,AA', qr_svg: null, created_at: '2026-11-25T10:00:00Z', updated_at: '2026-11-25T10:00:00Z', ...o });

describe('sessions store', () => {
  let sessions;
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.clearAllMocks();
    sessions = useSessionsStore();
  });

  it('test_the_qr_is_replaced_by_connected_live', () => {
    sessions.applySessionStatus(session());
    expect(sessions.byId['ws_demo.1'].qr).toBeTruthy();
    sessions.applySessionStatus(session({ status: 'connected', qr: null, phone: '+62811', updated_at: '2026-11-25T10:00:05Z' }));
    expect(sessions.byId['ws_demo.1']).toMatchObject({ status: 'connected', qr: null, phone: '+62811' });
  });

  it('test_a_stale_session_frame_is_ignored', () => {
    sessions.applySessionStatus(session({ status: 'connected', updated_at: '2026-11-25T10:00:05Z' }));
    sessions.applySessionStatus(session({ status: 'qr', updated_at: '2026-11-25T10:00:01Z' }));
    expect(sessions.byId['ws_demo.1'].status).toBe('connected');
  });

  it('test_add_and_log_out', async () => {
    api.createSession.mockResolvedValueOnce(session({ id: 'ws_demo.2', status: 'starting' }));
    await sessions.create({ engine: 'sandbox', name: 'Support' });
    expect(api.createSession).toHaveBeenCalledWith({ engine: 'sandbox', name: 'Support' });
    expect(sessions.list.map((s) => s.id)).toEqual(['ws_demo.2']);
    api.logoutSession.mockResolvedValueOnce(null);
    await sessions.logout('ws_demo.2');
    expect(sessions.byId['ws_demo.2'].status).toBe('logged_out');
  });

  it('test_fetch_accepts_a_page_or_a_list', async () => {
    api.sessions.mockResolvedValueOnce([session()]);
    await sessions.fetchSessions();
    expect(sessions.loaded).toBe(true);
    expect(sessions.list).toHaveLength(1);
  });
});
