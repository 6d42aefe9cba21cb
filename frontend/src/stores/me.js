// Who is signed in, on which workspace (GET /me/), and the limits the browser checks.
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';
import { api } from '../api/index.js';
import { mediaMaxUploadBytes } from '../lib/limits.js';
import { pickLocale, setLocale, setTimeZone } from '../i18n/index.js';
import { useMutesStore } from './mutes.js';

export const useMeStore = defineStore('me', () => {
  const workspace = ref(null);
  const user = ref(null);
  const role = ref(null);
  const loaded = ref(false);
  const limits = ref(null);
  /** {language, timezone} ('' = the workspace's), effective_language, effective_timezone. */
  const preferences = ref(null);

  const isAdmin = computed(() => role.value === 'owner' || role.value === 'admin');
  /** Bytes: larger files are refused before they upload (lib/limits.js). */
  const maxUploadBytes = computed(() => mediaMaxUploadBytes(limits.value));

  async function load() {
    const me = await api.me();
    workspace.value = me.workspace;
    user.value = me.user;
    role.value = me.role;
    limits.value = me.limits ?? null;
    applyPreferences(me.preferences);
    // The agent's muted chats (their own, on every device): the inbox works without them.
    useMutesStore().load(me.workspace?.slug).catch(() => {});
    loaded.value = true;
    return me;
  }

  // The member's own language wins over this browser's remembered one; without a choice of their
  // own, the browser keeps its language (the server answers in it: Accept-Language).
  function applyPreferences(prefs) {
    preferences.value = prefs ?? null;
    if (prefs?.language) setLocale(prefs.language);
    setTimeZone(prefs?.effective_timezone || null);
  }

  async function savePreferences(changes) {
    applyPreferences(await api.setMyPreferences(changes));
    // No choice of their own any more: back to this browser's language.
    if (changes.language === '') setLocale(pickLocale({ chosen: '' }));
  }

  async function saveWorkspacePreferences(changes) {
    workspace.value = await api.setWorkspacePreferences(changes);
    await load();
  }

  return { workspace, user, role, loaded, limits, preferences, isAdmin, maxUploadBytes, load, savePreferences, saveWorkspacePreferences };
});
