// The realtime connection's state, for the "Reconnecting..." banner and for tests. Only the
// realtime module (src/realtime/) writes it.
import { defineStore } from 'pinia';
import { ref, computed } from 'vue';

export const useRealtimeStore = defineStore('realtime', () => {
  /** idle | connecting | open | reconnecting | closed */
  const status = ref('idle');
  const connectedOnce = ref(false);
  const lastSeq = ref(null);
  const attempt = ref(0);
  const retryAt = ref(null);
  const refetches = ref(0);
  const lastRefetchReason = ref('');
  const closeCode = ref(null);

  /** The banner shows once the socket had been up and is not now (the first connect stays quiet). */
  const showBanner = computed(() => status.value === 'reconnecting' || (connectedOnce.value && status.value === 'connecting'));

  function setStatus(next) {
    status.value = next;
    if (next === 'open') {
      connectedOnce.value = true;
      attempt.value = 0;
      retryAt.value = null;
    }
  }

  function noteRefetch(reason) {
    refetches.value += 1;
    lastRefetchReason.value = reason;
  }

  return { status, connectedOnce, lastSeq, attempt, retryAt, refetches, lastRefetchReason, closeCode, showBanner, setStatus, noteRefetch };
});
