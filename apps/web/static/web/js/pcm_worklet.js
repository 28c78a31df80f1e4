// AudioWorklet for live session mode: low-pass filters the microphone and resamples it from the
// context's rate (44.1/48 kHz usually) to 16 kHz, and posts frames of 16-bit little-endian PCM (the live
// protocol's format) to the page. Mono (`channels: 1`, the default) mixes every input channel into one;
// stereo (`channels: 2`, a two-microphone interface with the clinician on the left) keeps the two
// channels apart, each filtered and resampled on its own, and interleaves them (left, right) as the
// protocol's 2-channel frames. Loaded with audioWorklet.addModule (a same-origin file, so the CSP holds).
//
// Resampling: a windowed-sinc FIR (Blackman) with its cut-off below the new Nyquist frequency keeps
// 8-24 kHz content from folding back into speech, then each output sample is read off the filtered
// signal at its fractional input position by linear interpolation (the filtered signal is oversampled,
// so interpolation adds little error).
const TARGET_RATE = 16000;
const CUTOFF_HZ = 7000;

function lowPassTaps(rate) {
  const ratio = rate / TARGET_RATE;
  const n = Math.max(1, Math.round(ratio * 32)) | 1; // odd length: symmetric, whole-sample delay
  if (ratio <= 1) return new Float32Array([1]);
  const fc = CUTOFF_HZ / rate;
  const taps = new Float32Array(n);
  const mid = (n - 1) / 2;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = i - mid;
    const sinc = x === 0 ? 2 * fc : Math.sin(2 * Math.PI * fc * x) / (Math.PI * x);
    const w = 0.42 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1)) + 0.08 * Math.cos((4 * Math.PI * i) / (n - 1));
    taps[i] = sinc * w;
    sum += taps[i];
  }
  for (let i = 0; i < n; i++) taps[i] /= sum; // unity gain at 0 Hz
  return taps;
}

// One channel's filter state: the last inputs (a ring) and the resampler's position.
class ChannelFilter {
  constructor(taps) {
    this.taps = taps;
    this.history = new Float32Array(taps.length);
    this.head = 0;
    this.prev = 0; // filtered value at input index i - 1
  }

  filter(sample) {
    const { taps, history } = this;
    history[this.head] = sample;
    let acc = 0;
    let j = this.head;
    for (let k = 0; k < taps.length; k++) {
      acc += taps[k] * history[j];
      j = j === 0 ? history.length - 1 : j - 1;
    }
    this.head = (this.head + 1) % history.length;
    return acc;
  }
}

class PcmDownsampler extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const frameSeconds = options?.processorOptions?.frameSeconds || 0.1;
    this.channels = options?.processorOptions?.channels === 2 ? 2 : 1;
    this.step = sampleRate / TARGET_RATE; // input samples per output sample
    const taps = lowPassTaps(sampleRate);
    this.filters = Array.from({ length: this.channels }, () => new ChannelFilter(taps));
    this.pos = 0; // next output position, in input samples, relative to index i - 1 (all channels alike)
    this.frame = new Int16Array(Math.round(TARGET_RATE * frameSeconds) * this.channels); // interleaved
    this.filled = 0;
    this.peak = 0;
    this.peaks = new Float32Array(this.channels); // each channel's own peak in the frame
    this.current = new Float32Array(this.channels);
    this.port.onmessage = (event) => {
      if (event.data?.type === "flush") {
        this.post();
        this.port.postMessage({ type: "flushed" });
      }
    };
  }

  post() {
    if (this.filled === 0) return;
    const bytes = new ArrayBuffer(this.filled * 2);
    const view = new DataView(bytes);
    for (let i = 0; i < this.filled; i++) view.setInt16(i * 2, this.frame[i], true);
    const peaks = Array.from(this.peaks);
    this.port.postMessage({ type: "pcm", pcm: bytes, peak: this.peak, peaks, channels: this.channels }, [bytes]);
    this.filled = 0;
    this.peak = 0;
    this.peaks.fill(0);
  }

  push(value) {
    const s = Math.max(-1, Math.min(1, value));
    this.peak = Math.max(this.peak, Math.abs(s));
    const c = this.filled % this.channels; // interleaved: the sample's channel
    this.peaks[c] = Math.max(this.peaks[c], Math.abs(s));
    this.frame[this.filled++] = s < 0 ? Math.round(s * 0x8000) : Math.round(s * 0x7fff);
    // A frame holds whole sample frames (every channel of one instant): posted only at a frame's end.
    if (this.filled === this.frame.length) this.post();
  }

  // The input sample of channel c at index i: mono mixes every channel; stereo reads left and right (a
  // one-channel input gives both channels the same signal rather than silence on the right).
  sampleAt(inputChannels, c, i) {
    if (this.channels === 1) {
      let mixed = 0;
      for (const channel of inputChannels) mixed += channel[i];
      return mixed / inputChannels.length;
    }
    return inputChannels[Math.min(c, inputChannels.length - 1)][i];
  }

  process(inputs) {
    const inputChannels = inputs[0];
    if (!inputChannels || inputChannels.length === 0) return true;
    const length = inputChannels[0].length;
    const { filters, current } = this;
    for (let i = 0; i < length; i++) {
      for (let c = 0; c < filters.length; c++) current[c] = filters[c].filter(this.sampleAt(inputChannels, c, i));
      // Output samples whose position lies between the previous and this input sample.
      while (this.pos < 1) {
        for (let c = 0; c < filters.length; c++) {
          this.push(filters[c].prev + this.pos * (current[c] - filters[c].prev));
        }
        this.pos += this.step;
      }
      this.pos -= 1;
      for (let c = 0; c < filters.length; c++) filters[c].prev = current[c];
    }
    return true;
  }
}

registerProcessor("pcm-downsampler", PcmDownsampler);
