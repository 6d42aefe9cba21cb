// Who is signed in, on which workspace (GET /me/).
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import { api } from '../api/index.js';

export const useMeStore = defineStore('me', () => {
  const workspace = ref(null);
  const user = ref(null);
  const role = ref(null);
  const loaded = ref(false);

  const isAdmin = computed(() => role.value === 'owner' || role.value === 'admin');

  async function load() {
    const me = await api.me();
    workspace.value = me.workspace;
    user.value = me.user;
    role.value = me.role;
    loaded.value = true;
    return me;
  }

  return { workspace, user, role, loaded, isAdmin, load };
});
