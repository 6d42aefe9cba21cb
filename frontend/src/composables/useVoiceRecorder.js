// Voice notes recorded in the browser: MediaRecorder (ogg/opus where the browser can, else
// webm/opus) plus a live waveform from an AnalyserNode. The caller uploads the blob (POST /media/)
// and sends a message of type "voice".
import { ref, shallowRef, onScopeDispose, getCurrentScope } from 'vue';
import { t } from '../i18n/index.js';

export const VOICE_MIME_TYPES = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm'];
const BARS = 48;

export function pickVoiceMimeType(Recorder = globalThis.MediaRecorder) {
  if (!Recorder || typeof Recorder.isTypeSupported !== 'function') return '';
  return VOICE_MIME_TYPES.find((t) => Recorder.isTypeSupported(t)) || '';
}

/** Downsample a list of levels (0..1) to `bars` values. */
export function compactWaveform(levels, bars = BARS) {
  if (!levels.length) return new Array(bars).fill(0);
  const out = [];
  const step = levels.length / bars;
  for (let i = 0; i < bars; i += 1) {
    const from = Math.floor(i * step);
    const to = Math.max(from + 1, Math.floor((i + 1) * step));
    let peak = 0;
    for (let j = from; j < to && j < levels.length; j += 1) peak = Math.max(peak, levels[j]);
    out.push(Math.round(peak * 100) / 100);
  }
  return out;
}

// The duration and the cap run on a timer of their own: the waveform's animation frames stop
// when there is no analyser (no Web Audio) and while the tab is hidden, a recording does not.
const TICK_MS = 200;

/**
 * @param {{maxSeconds?: number, onLimit?: (result: object|null) => void, now?: () => number}} [opts]
 *   maxSeconds: the recording stops by itself there (15 min, as WhatsApp's limit); onLimit gets
 *   the result of that automatic stop (the caller sends it, as WhatsApp does).
 */
export function useVoiceRecorder({ maxSeconds = 15 * 60, onLimit = null, now = () => performance.now() } = {}) {
  const state = ref('idle'); // idle | requesting | recording | error
  const error = ref(null);
  const duration = ref(0);
  const levels = shallowRef([]); // the live waveform (last BARS levels)
  const supported = typeof globalThis.MediaRecorder !== 'undefined' && !!globalThis.navigator?.mediaDevices?.getUserMedia;

  let recorder = null;
  let stream = null;
  let audioCtx = null;
  let analyser = null;
  let raf = null;
  let ticker = null;
  let chunks = [];
  let allLevels = [];
  let startedAt = 0;
  let finish = null;
  let stopping = null;

  /** Duration and the cap, whether or not there is a waveform. */
  function tick() {
    if (state.value !== 'recording') return;
    duration.value = (now() - startedAt) / 1000;
    if (duration.value >= maxSeconds) {
      duration.value = maxSeconds;
      stop().then((result) => onLimit?.(result));
    }
  }

  function sample() {
    raf = null;
    if (!analyser || state.value !== 'recording') return;
    const data = new Uint8Array(analyser.fftSize);
    analyser.getByteTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += ((v - 128) / 128) ** 2;
    const level = Math.min(1, Math.sqrt(sum / data.length) * 3);
    allLevels.push(level);
    levels.value = [...levels.value.slice(-(BARS - 1)), level];
    tick();
    if (state.value === 'recording' && typeof requestAnimationFrame === 'function') raf = requestAnimationFrame(sample);
  }

  function release() {
    if (raf && typeof cancelAnimationFrame === 'function') cancelAnimationFrame(raf);
    raf = null;
    clearInterval(ticker);
    ticker = null;
    stream?.getTracks().forEach((t) => t.stop());
    stream = null;
    audioCtx?.close?.().catch(() => {});
    audioCtx = null;
    analyser = null;
  }

  async function start() {
    if (!supported || state.value === 'recording') return false;
    state.value = 'requesting';
    error.value = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      state.value = 'error';
      error.value = err.name === 'NotAllowedError' ? t('voice.denied') : t('voice.noMic');
      return false;
    }
    const mimeType = pickVoiceMimeType();
    recorder = new MediaRecorder(stream, mimeType ? { mimeType } : undefined);
    chunks = [];
    allLevels = [];
    levels.value = [];
    recorder.ondataavailable = (e) => {
      if (e.data && e.data.size) chunks.push(e.data);
    };
    recorder.onstop = () => {
      const type = (recorder.mimeType || mimeType || 'audio/webm').split(';')[0];
      const blob = new Blob(chunks, { type });
      const result = { blob, mimetype: type, duration: duration.value, waveform: compactWaveform(allLevels) };
      release();
      state.value = 'idle';
      stopping = null;
      finish?.(result);
      finish = null;
    };
    try {
      const Ctx = globalThis.AudioContext || globalThis.webkitAudioContext;
      audioCtx = new Ctx();
      const source = audioCtx.createMediaStreamSource(stream);
      analyser = audioCtx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
    } catch {
      analyser = null; // no waveform, still a recording
    }
    startedAt = now();
    duration.value = 0;
    recorder.start(250);
    state.value = 'recording';
    ticker = setInterval(tick, TICK_MS);
    if (analyser && typeof requestAnimationFrame === 'function') raf = requestAnimationFrame(sample);
    return true;
  }

  /** @returns {Promise<{blob: Blob, mimetype: string, duration: number, waveform: number[]}|null>} */
  function stop() {
    if (stopping) return stopping; // the cap and the agent's click at once: one result for both
    if (!recorder || recorder.state === 'inactive') return Promise.resolve(null);
    duration.value = Math.min(maxSeconds, (now() - startedAt) / 1000);
    const result = new Promise((resolve) => {
      finish = resolve;
    });
    stopping = result;
    recorder.stop(); // its onstop (later, or at once) resolves `result`
    return result;
  }

  function cancel() {
    finish = null;
    stopping = null;
    if (recorder && recorder.state !== 'inactive') {
      recorder.onstop = () => {
        release();
        state.value = 'idle';
      };
      recorder.stop();
    } else {
      release();
      state.value = 'idle';
    }
  }

  if (getCurrentScope()) onScopeDispose(cancel);

  return { supported, state, error, duration, levels, start, stop, cancel };
}
