// MediaRecorder wrapper: webm/Opus where the browser has it (Chromium, Firefox, Android), mp4/AAC
// otherwise (iOS Safari). Reports a 0..1 input level for the meter.
const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4;codecs=mp4a.40.2", "audio/mp4", "audio/ogg;codecs=opus"];

export function pickType() {
  if (!("MediaRecorder" in window)) return null;
  return TYPES.find((t) => MediaRecorder.isTypeSupported(t)) || "";
}

export function extensionFor(type) {
  if (type.startsWith("audio/mp4")) return "m4a";
  if (type.startsWith("audio/ogg")) return "ogg";
  return "webm";
}

export class Recorder {
  constructor({ onLevel, onStart }) {
    this.onLevel = onLevel;
    this.onStart = onStart;
    this.chunks = [];
  }

  async start() {
    this.stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true } });
    const type = pickType();
    this.recorder = new MediaRecorder(this.stream, type ? { mimeType: type } : undefined);
    this.type = this.recorder.mimeType || type || "audio/webm";
    this.chunks = [];
    this.recorder.ondataavailable = (e) => {
      if (e.data && e.data.size) this.chunks.push(e.data);
    };
    this.stopped = new Promise((resolve) => {
      this.recorder.onstop = () => resolve(new Blob(this.chunks, { type: this.type.split(";")[0] }));
    });
    this.recorder.onstart = () => this.onStart && this.onStart();
    this.recorder.start(1000);
    this.meter();
  }

  meter() {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    this.context = new Context();
    const source = this.context.createMediaStreamSource(this.stream);
    const analyser = this.context.createAnalyser();
    analyser.fftSize = 512;
    source.connect(analyser);
    const data = new Uint8Array(analyser.fftSize);
    const tick = () => {
      if (!this.context) return;
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128));
      this.onLevel(this.recorder.state === "recording" ? peak / 128 : 0);
      this.frame = requestAnimationFrame(tick);
    };
    tick();
  }

  pause() {
    this.recorder.pause();
  }

  resume() {
    this.recorder.resume();
  }

  async stop() {
    this.recorder.stop();
    const blob = await this.stopped;
    this.release();
    return blob;
  }

  release() {
    if (this.frame) cancelAnimationFrame(this.frame);
    if (this.context) this.context.close();
    this.context = null;
    if (this.stream) this.stream.getTracks().forEach((t) => t.stop());
    if (this.recorder && this.recorder.state !== "inactive") this.recorder.stop();
  }
}
