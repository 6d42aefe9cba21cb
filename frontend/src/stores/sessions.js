// WhatsApp numbers (sessions) of the workspace, by id; kept live by `session.status` frames.
import { defineStore } from 'pinia';
import { ref, computed, shallowReactive } from 'vue';
import { api, pageOf } from '../api/index.js';

function newer(existing, incoming) {
  if (!existing) return true;
  const a = Date.parse(existing.updated_at || '');
  const b = Date.parse(incoming.updated_at || '');
  if (Number.isNaN(a) || Number.isNaN(b)) return true;
  return b >= a;
}

export const useSessionsStore = defineStore('sessions', () => {
  const byId = shallowReactive({});
  const loaded = ref(false);
  const loading = ref(false);
  const error = ref(null);

  const list = computed(() =>
    Object.values(byId).sort((a, b) => String(a.created_at || '').localeCompare(String(b.created_at || '')) || String(a.id).localeCompare(String(b.id))),
  );
  const connected = computed(() => list.value.filter((s) => s.status === 'connected'));

  function upsert(session) {
    if (!session || session.id == null) return;
    if (!newer(byId[session.id], session)) return;
    byId[session.id] = { ...byId[session.id], ...session };
  }

  /** `session.status`: the whole session (with `qr` while scanning). Stale copies are ignored. */
  function applySessionStatus(session) {
    upsert(session);
  }

  async function fetchSessions() {
    loading.value = true;
    error.value = null;
    try {
      const page = pageOf(await api.sessions());
      for (const s of page.results) upsert(s);
      loaded.value = true;
    } catch (err) {
      error.value = err;
      throw err;
    } finally {
      loading.value = false;
    }
  }

  async function create({ engine, name }) {
    const session = await api.createSession({ engine, name });
    upsert(session);
    return session;
  }

  async function logout(id) {
    const answer = await api.logoutSession(id);
    if (answer && answer.id != null) upsert(answer);
    else if (byId[id]) byId[id] = { ...byId[id], status: 'logged_out', qr: null, qr_svg: null };
  }

  /** "Link with phone number instead": the code arrives in the answer (and as `session.status`). */
  async function requestPairingCode(id, phone) {
    const answer = await api.requestPairingCode(id, phone);
    upsert(answer);
    return answer;
  }

  return { byId, list, connected, loaded, loading, error, applySessionStatus, fetchSessions, create, logout, requestPairingCode };
});
