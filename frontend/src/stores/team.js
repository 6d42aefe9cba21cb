// The workspace's team vocabulary the inbox shares: labels and custom field definitions (each
// fetched once, refetched after a settings change), the contact panel's open state, and the
// toasts of notes that mention this agent (`note.mention`).
import { defineStore } from 'pinia';
import { ref, shallowReactive } from 'vue';
import { api, pageOf } from '../api/index.js';
import { useMeStore } from './me.js';

const TOAST_MS = 8000;

export const useTeamStore = defineStore('team', () => {
  const labels = ref([]);
  const fields = ref([]);
  const panelOpen = ref(false);
  /** [{id, contact_id, message_id, by}] newest last */
  const toasts = ref([]);
  const loaded = shallowReactive({ labels: false, fields: false });
  let toastSerial = 0;

  async function loadLabels(force = false) {
    if (loaded.labels && !force) return labels.value;
    labels.value = pageOf(await api.labels()).results;
    loaded.labels = true;
    return labels.value;
  }

  async function loadFields(force = false) {
    if (loaded.fields && !force) return fields.value;
    fields.value = pageOf(await api.customFields()).results;
    loaded.fields = true;
    return fields.value;
  }

  function togglePanel(open = !panelOpen.value) {
    panelOpen.value = open;
  }

  /** `note.mention`: a toast for the agent it names (every agent's socket gets the frame). */
  function applyMention(frame) {
    const me = useMeStore();
    if (!frame || frame.user_id == null || frame.user_id !== me.user?.id) return;
    const toast = { id: ++toastSerial, contact_id: frame.contact_id, message_id: frame.message_id, by: frame.by };
    toasts.value = [...toasts.value.slice(-2), toast];
    setTimeout(() => dismiss(toast.id), TOAST_MS);
  }

  function dismiss(id) {
    toasts.value = toasts.value.filter((toast) => toast.id !== id);
  }

  return { labels, fields, panelOpen, toasts, loadLabels, loadFields, togglePanel, applyMention, dismiss };
});
