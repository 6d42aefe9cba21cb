// The scheduled messages of the chats this tab has open (GET /contacts/{id}/scheduled/), kept
// current by the scheduled.* frames (created, updated, cancelled, sent): one that went or was
// cancelled leaves its list (a sent one's message is in the thread). A reconnect reads the open
// chat's list again (realtime/router.js refetch).
import { defineStore } from 'pinia';
import { reactive } from 'vue';
import { api, pageOf } from '../api/index.js';

const bySendAt = (a, b) => Date.parse(a.send_at) - Date.parse(b.send_at) || a.id - b.id;

export const useScheduledStore = defineStore('scheduled', () => {
  /** contact id -> its scheduled messages still to go, by send_at (only the chats loaded). */
  const byContact = reactive({});

  async function load(contactId) {
    const rows = pageOf(await api.scheduled(contactId)).results;
    byContact[contactId] = rows.filter((row) => row.status === 'scheduled').sort(bySendAt);
    return byContact[contactId];
  }

  function listOf(contactId) {
    return byContact[contactId] || [];
  }

  /** A scheduled.* frame, or a REST answer for one of them (edit, cancel). */
  function apply(item) {
    const list = byContact[item.contact_id];
    if (!list) return; // not loaded here: the chat reads its list when it opens
    const rest = list.filter((row) => row.id !== item.id);
    byContact[item.contact_id] = item.status === 'scheduled' ? [...rest, item].sort(bySendAt) : rest;
  }

  const applyFrame = ({ scheduled }) => apply(scheduled);

  /** The lists loaded: read again (after a reconnect). */
  function refresh() {
    return Promise.allSettled(Object.keys(byContact).map((id) => load(Number(id))));
  }

  return { byContact, load, listOf, apply, applyFrame, refresh };
});
