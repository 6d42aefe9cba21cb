// Who is signed in, on which workspace (GET /me/), and the limits the browser checks.
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import { api } from '../api/index.js';
import { mediaMaxUploadBytes } from '../lib/limits.js';

export const useMeStore = defineStore('me', () => {
  const workspace = ref(null);
  const user = ref(null);
  const role = ref(null);
  const loaded = ref(false);
  const limits = ref(null);

  const isAdmin = computed(() => role.value === 'owner' || role.value === 'admin');
  /** Bytes: larger files are refused before they upload (lib/limits.js). */
  const maxUploadBytes = computed(() => mediaMaxUploadBytes(limits.value));

  async function load() {
    const me = await api.me();
    workspace.value = me.workspace;
    user.value = me.user;
    role.value = me.role;
    limits.value = me.limits ?? null;
    loaded.value = true;
    return me;
  }

  return { workspace, user, role, loaded, limits, isAdmin, maxUploadBytes, load };
});
