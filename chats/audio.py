"""Voice notes as WhatsApp makes them: OGG/Opus, mono, with a 64-bar waveform and a duration.

Debian's ffmpeg does the audio work (installed by `make install`, like chromium): it remuxes the
browser's WebM/Opus recording into OGG without re-encoding when it can, encodes to Opus when it
cannot (an MP4/AAC recording from Safari), and decodes any voice note to 8 kHz PCM to measure it.
"""

from __future__ import annotations

import array
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

WAVEFORM_BARS = 64
OGG_OPUS = "audio/ogg"
_MEASURE_RATE = 8000
_TIMEOUT_SECONDS = 60


class AudioError(Exception):
    """ffmpeg is missing or could not read the file."""


@dataclass(frozen=True)
class VoiceMeasure:
    duration: float  # seconds
    waveform: list[int]  # WAVEFORM_BARS peaks, 0..100


def _ffmpeg() -> str:
    path = shutil.which("ffmpeg")
    if not path:
        raise AudioError("ffmpeg is not installed (run `make install`).")
    return path


def _run(args: list[str], data: bytes) -> bytes:
    # A file, not a pipe, for the input: WebM and MP4 recordings need seeking to be read whole.
    with tempfile.TemporaryDirectory(prefix="blazz-audio-") as tmp:
        source = Path(tmp) / "in"
        source.write_bytes(data)
        try:
            done = subprocess.run([_ffmpeg(), "-nostdin", "-v", "error", "-i", str(source), *args],
                                  capture_output=True, timeout=_TIMEOUT_SECONDS, check=False)
        except subprocess.TimeoutExpired as exc:
            raise AudioError("ffmpeg took too long.") from exc
    if done.returncode != 0 or not done.stdout:
        raise AudioError((done.stderr.decode(errors="replace").strip() or "ffmpeg failed")[-300:])
    return done.stdout


def is_ogg_opus(data: bytes) -> bool:
    """An OGG stream whose first packet is an Opus header."""
    return data[:4] == b"OggS" and b"OpusHead" in data[:512]


def to_ogg_opus(data: bytes) -> bytes:
    """OGG/Opus mono bytes of any recording: remuxed when it is Opus already, else encoded."""
    if is_ogg_opus(data):
        return data
    try:
        out = _run(["-vn", "-map_metadata", "-1", "-c:a", "copy", "-f", "ogg", "pipe:1"], data)
        if is_ogg_opus(out):
            return out
    except AudioError:
        pass
    return _run(["-vn", "-map_metadata", "-1", "-ac", "1", "-ar", "48000", "-c:a", "libopus", "-b:a", "32k",
                 "-application", "voip", "-f", "ogg", "pipe:1"], data)


def peaks(samples: array.array, bars: int = WAVEFORM_BARS) -> list[int]:
    """`bars` loudness peaks of 16-bit samples, scaled so the loudest bar is 100 (silence: 0s)."""
    if not samples:
        return [0] * bars
    out = []
    for i in range(bars):
        start = i * len(samples) // bars
        end = max(start + 1, (i + 1) * len(samples) // bars)
        chunk = samples[start:end]
        out.append(max(abs(min(chunk)), abs(max(chunk))) if chunk else 0)
    top = max(out)
    return [round(value * 100 / top) for value in out] if top else [0] * bars


def measure(data: bytes) -> VoiceMeasure:
    """Duration and waveform of a recording (any format ffmpeg reads)."""
    pcm = _run(["-vn", "-ac", "1", "-ar", str(_MEASURE_RATE), "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"], data)
    samples = array.array("h")
    samples.frombytes(pcm[: len(pcm) - len(pcm) % 2])
    return VoiceMeasure(duration=round(len(samples) / _MEASURE_RATE, 2), waveform=peaks(samples))
