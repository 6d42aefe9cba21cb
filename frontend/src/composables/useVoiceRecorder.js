// Voice notes recorded in the browser: MediaRecorder (ogg/opus where the browser can, else
// webm/opus) plus a live waveform from an AnalyserNode. The caller uploads the blob (POST /media/)
// and sends a message of type "voice".
import { ref, shallowRef, onScopeDispose, getCurrentScope } from 'vue';

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

export function useVoiceRecorder({ maxSeconds = 15 * 60 } = {}) {
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
  let chunks = [];
  let allLevels = [];
  let startedAt = 0;
  let finish = null;

  function sample() {
    if (!analyser) return;
    const data = new Uint8Array(analyser.fftSize);
    analyser.getByteTimeDomainData(data);
    let sum = 0;
    for (const v of data) sum += ((v - 128) / 128) ** 2;
    const level = Math.min(1, Math.sqrt(sum / data.length) * 3);
    allLevels.push(level);
    levels.value = [...levels.value.slice(-(BARS - 1)), level];
    duration.value = (performance.now() - startedAt) / 1000;
    if (duration.value >= maxSeconds) stop();
    else raf = requestAnimationFrame(sample);
  }

  function release() {
    if (raf) cancelAnimationFrame(raf);
    raf = null;
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
      error.value = err.name === 'NotAllowedError' ? 'Microphone permission denied' : 'No microphone available';
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
    startedAt = performance.now();
    duration.value = 0;
    recorder.start(250);
    state.value = 'recording';
    raf = requestAnimationFrame(sample);
    return true;
  }

  /** @returns {Promise<{blob: Blob, mimetype: string, duration: number, waveform: number[]}|null>} */
  function stop() {
    if (!recorder || recorder.state === 'inactive') return Promise.resolve(null);
    return new Promise((resolve) => {
      finish = resolve;
      recorder.stop();
    });
  }

  function cancel() {
    finish = null;
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
