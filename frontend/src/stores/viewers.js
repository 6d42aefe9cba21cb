// Who has each chat open now ("Budi is viewing"), from the socket's chat.viewers frames: the
// whole list for a chat each time an agent opens or leaves it. Ephemeral, never fetched over REST.
import { defineStore } from 'pinia';
import { shallowReactive } from 'vue';

export const useViewersStore = defineStore('viewers', () => {
  /** contactId -> [{id, name}] */
  const byContact = shallowReactive({});

  /** `chat.viewers`: {contact_id, viewers} */
  function applyViewers({ contact_id: id, viewers }) {
    byContact[id] = Array.isArray(viewers) ? viewers : [];
  }

  /** The others viewing a chat (not me). */
  function othersViewing(contactId, myId) {
    return (byContact[contactId] || []).filter((user) => user.id !== myId);
  }

  function $reset() {
    for (const key of Object.keys(byContact)) delete byContact[key];
  }

  return { byContact, applyViewers, othersViewing, $reset };
});
