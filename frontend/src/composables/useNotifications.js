// Desktop notification and a short sound for a new inbound message while the tab is hidden
// (and only with permission). Watches the messages store; never touches the socket.
import { watch, ref } from 'vue';

let audioContext = null;

/** A short two-tone chime (no asset to ship). */
export function playChime() {
  try {
    const Ctx = globalThis.AudioContext || globalThis.webkitAudioContext;
    if (!Ctx) return;
    audioContext = audioContext || new Ctx();
    const t = audioContext.currentTime;
    for (const [i, freq] of [880, 1320].entries()) {
      const osc = audioContext.createOscillator();
      const gain = audioContext.createGain();
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t + i * 0.12);
      gain.gain.exponentialRampToValueAtTime(0.15, t + i * 0.12 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t + i * 0.12 + 0.2);
      osc.connect(gain).connect(audioContext.destination);
      osc.start(t + i * 0.12);
      osc.stop(t + i * 0.12 + 0.22);
    }
  } catch {
    /* sound is a nicety */
  }
}

/**
 * @param {object} opts
 * @param {import('vue').Ref<object|null>} opts.lastInbound the messages store's lastInbound
 * @param {(contactId: number) => string} opts.titleFor display name of a contact
 * @param {(contactId: number) => void} [opts.onOpen] clicking the notification
 * @param {(contactId: number) => boolean} [opts.muted] chats the agent muted
 */
export function useNotifications({ lastInbound, titleFor, onOpen, preview = (m) => m.body || '', muted = () => false }) {
  const supported = typeof globalThis.Notification !== 'undefined';
  const permission = ref(supported ? globalThis.Notification.permission : 'denied');

  async function requestPermission() {
    if (!supported) return 'denied';
    permission.value = await globalThis.Notification.requestPermission();
    return permission.value;
  }

  watch(lastInbound, (message) => {
    if (!message || typeof document === 'undefined' || document.visibilityState !== 'hidden') return;
    if (muted(message.contact_id)) return; // a muted chat neither notifies nor chimes
    if (!supported || globalThis.Notification.permission !== 'granted') return;
    try {
      const notification = new globalThis.Notification(titleFor(message.contact_id), {
        body: preview(message),
        tag: `blazz-contact-${message.contact_id}`,
      });
      notification.onclick = () => {
        globalThis.focus?.();
        onOpen?.(message.contact_id);
        notification.close();
      };
    } catch {
      /* some platforms only allow notifications from a service worker */
    }
    playChime();
  });

  return { supported, permission, requestPermission };
}
