// Live session mode: the microphone streams to /ws/sessions/<id>/live/ as 16 kHz 16-bit PCM
// (pcm_worklet.js resamples it): mono, or, when the clinician says the interface has two microphones
// (clinician on the left) and the device does give two channels, interleaved stereo, so every word is
// attributed by its channel as it commits; the committed transcript grows on the page, the clinician-only cues
// fill a quiet panel, and on stop the page opens the session with its draft.
//
// Nothing recorded is lost to a dropped connection: every frame is numbered by its first sample, kept
// until the server has acknowledged it (`progress.received_s`), and on reconnection the client resumes
// the same input (`start` with `input_id`) and re-sends from the server's `resumed_at`. Frames recorded
// while disconnected wait in the same bounded buffer. Paused audio is never recorded.
import { fmtClock, renderCue, talkStats } from "./live_cues.js";

const RATE = 16000;
const SAMPLE_BYTES = 2; // 16-bit
const STEREO_KEY = "interlude.live.stereo"; // this browser's two-microphone choice
const MAX_BUFFER_SECONDS = 10 * 60; // what a long disconnection may hold before the oldest audio goes
const BACKOFF_MS = [500, 1000, 2000, 4000, 8000, 15000];
const NO_RETRY_CODES = new Set([4401, 4403, 4404]);
const ACTIVITY_EVERY_MS = 30_000;
const SLOW_DRAFT_MS = 60_000; // after this, offer the session page rather than wait for `done`
// Two channels where one stays silent while the other carries speech: a dead second input, or a
// one-channel device the browser reports as two. Said on the page (the server reads such labels as a guess).
const CHANNEL_CHECK_SECONDS = 20;
const SILENT_PEAK = 0.003; // about -50 dBFS
const SPEECH_PEAK = 0.03; // about -30 dBFS

function strings(root) {
  const out = {};
  root.querySelectorAll("[data-live-string]").forEach((el) => { out[el.dataset.liveString] = el.textContent.trim(); });
  return (key, values = {}) => (out[key] || key).replace(/%\((\w+)\)s/g, (_, name) => String(values[name] ?? ""));
}

function startOne(root) {
  const t = strings(root);
  const $ = (name) => root.querySelector(`[data-live="${name}"]`);
  const ui = {
    start: $("start"), pause: $("pause"), resume: $("resume"), stop: $("stop"),
    status: $("status"), timer: $("timer"), level: $("level"), progress: $("progress"),
    panel: $("panel"), transcript: $("transcript"), partial: $("partial"), scroller: $("scroller"),
    cues: $("cues"), cueEmpty: $("cue-empty"), talk: $("talk"), consent: $("consent"), draft: $("draft"),
    cuePref: $("cue-pref"), // the cue panel exists only for a clinician who opted in
    stereoPref: $("stereo-pref"), stereo: $("stereo"), channelWarning: $("channel-warning"),
  };
  const frameBytes = () => SAMPLE_BYTES * state.channels;
  const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
  const state = {
    phase: "idle", // idle → live ⇄ paused → stopping → done | refused | failed
    socket: null, ready: false, inputId: null, attempt: 0, retryTimer: null,
    channels: 1, // what the microphone gives and the socket was told at start (1 or 2)
    frames: [], // [{offset (sample frames), bytes}] not yet acknowledged, oldest first
    nextOffset: 0, // sample frames captured so far (paused audio excluded); a frame is every channel's sample
    sentUpTo: 0, // sample frames handed to the current socket
    stream: null, audio: null, worklet: null, activity: null,
    stopSent: false, segments: new Set(), segmentList: [],
    heard: [0, 0], // stereo: each channel's loudest peak so far
  };

  const setStatus = (text) => { ui.status.textContent = text; };
  const liveText = () => (state.monoFallback ? t("live_mono_fallback") : t("live"));
  const show = (phase) => {
    state.phase = phase;
    root.dataset.livePhase = phase;
    ui.start.hidden = phase !== "idle";
    ui.pause.hidden = phase !== "live";
    ui.resume.hidden = phase !== "paused";
    ui.stop.hidden = !(phase === "live" || phase === "paused");
    ui.cuePref.hidden = phase !== "idle"; // the socket reads the opt-in at start: change it between sessions
    if (ui.stereoPref) ui.stereoPref.hidden = phase !== "idle";
  };

  // ---- Socket -------------------------------------------------------------------------------------
  const send = (message) => {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(message));
  };

  const flushFrames = () => {
    const socket = state.socket;
    if (!state.ready || !socket || socket.readyState !== WebSocket.OPEN) return;
    for (const frame of state.frames) {
      const end = frame.offset + frame.bytes.byteLength / frameBytes();
      if (end <= state.sentUpTo) continue;
      const skip = Math.max(0, state.sentUpTo - frame.offset) * frameBytes();
      socket.send(skip ? frame.bytes.slice(skip) : frame.bytes);
      state.sentUpTo = end;
    }
    if (state.phase === "stopping" && !state.stopSent) {
      send({ type: "stop" });
      state.stopSent = true;
    }
  };

  const acknowledge = (seconds) => {
    const upTo = Math.floor((seconds - 0.01) * RATE); // the server rounds its seconds: keep a margin
    while (state.frames.length && state.frames[0].offset + state.frames[0].bytes.byteLength / frameBytes() <= upTo) {
      state.frames.shift();
    }
  };

  const buffered = () => state.frames.reduce((n, f) => n + f.bytes.byteLength, 0) / (RATE * frameBytes());

  const connect = () => {
    clearTimeout(state.retryTimer);
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${root.dataset.socketPath}`);
    socket.binaryType = "arraybuffer";
    state.socket = socket;
    state.ready = false;
    socket.addEventListener("open", () => {
      const start = { type: "start", channels: state.channels };
      if (state.inputId) start.input_id = state.inputId;
      socket.send(JSON.stringify(start));
    });
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") return;
      let message;
      try { message = JSON.parse(event.data); } catch { return; }
      onMessage(message);
    });
    socket.addEventListener("close", (event) => {
      if (state.socket !== socket) return;
      state.ready = false;
      state.socket = null;
      if (["done", "refused", "failed", "idle"].includes(state.phase)) return;
      if (event.code === 4403) {
        refuseForConsent();
        return;
      }
      if (NO_RETRY_CODES.has(event.code)) {
        fail(t("closed_for_good"));
        return;
      }
      const delay = BACKOFF_MS[Math.min(state.attempt, BACKOFF_MS.length - 1)];
      state.attempt += 1;
      setStatus(t("reconnecting", { seconds: Math.round(delay / 1000) || 1 }));
      state.retryTimer = setTimeout(connect, delay + Math.random() * 250);
    });
  };

  const onMessage = (message) => {
    switch (message.type) {
      case "ready": {
        state.inputId = message.input_id;
        state.ready = true;
        state.attempt = 0;
        // The server holds everything up to resumed_at: drop it here and send the rest.
        const resumedAt = Math.floor((Number(message.resumed_at) || 0) * RATE);
        acknowledge(Number(message.resumed_at) || 0);
        state.sentUpTo = Math.max(resumedAt, state.frames.length ? state.frames[0].offset : state.nextOffset);
        state.stopSent = false; // a stop lost with the old connection is sent again
        setStatus(state.phase === "stopping" ? t("finishing") : state.phase === "paused" ? t("paused")
          : liveText());
        flushFrames(); // audio recorded before a pause goes out before the pause does
        if (state.phase === "paused") send({ type: "pause" });
        break;
      }
      case "partial":
        ui.partial.textContent = message.text || "";
        break;
      case "segment":
        addSegment(message);
        break;
      case "cue":
        addCue(message);
        break;
      case "progress":
        acknowledge(Number(message.received_s) || 0);
        ui.progress.textContent = t("progress", {
          received: fmtClock(message.received_s), committed: fmtClock(message.committed_s),
        });
        break;
      case "done":
        finish();
        break;
      case "error":
        if (message.code === "consent_required") {
          refuseForConsent();
        } else if (!state.ready && state.phase !== "done") {
          // Refused at start (the input to resume is gone, a bad request): nothing will stream.
          const socket = state.socket;
          state.socket = null;
          socket?.close();
          fail(message.message || t("error"));
        } else {
          setStatus(message.message || t("error"));
        }
        break;
      default:
        break;
    }
  };

  // ---- Transcript and cues ------------------------------------------------------------------------
  const speakerName = (speaker) => {
    const name = String(speaker ?? "").toLowerCase();
    const numbered = /^speaker_(\d+)$/.exec(name); // mono speech is unattributed until stop
    if (numbered) return t("speaker_n", { n: numbered[1] });
    const key = `speaker_${name}`;
    const named = t(key);
    return named === key ? name || t("speaker_unknown") : named;
  };

  const keepScrolled = (apply) => {
    const box = ui.scroller;
    const atEnd = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
    apply();
    if (atEnd) box.scrollTo({ top: box.scrollHeight, behavior: reducedMotion.matches ? "auto" : "smooth" });
  };

  const addSegment = (segment) => {
    const key = String(segment.id ?? `${segment.start}-${segment.end}`);
    if (state.segments.has(key)) return; // re-sent after a reconnection
    state.segments.add(key);
    keepScrolled(() => {
      const item = document.createElement("li");
      item.dataset.segmentId = key;
      const who = document.createElement("span");
      who.className = "speaker";
      who.textContent = speakerName(segment.speaker);
      const at = document.createElement("time");
      at.className = "small muted";
      at.textContent = fmtClock(segment.start);
      const text = document.createElement("span");
      text.textContent = ` ${segment.text || ""}`;
      item.append(who, " ", at, text);
      ui.transcript.append(item);
      ui.partial.textContent = "";
    });
    state.segmentList.push(segment);
    if (ui.talk) showTalkTime();
  };

  const showTalkTime = () => {
    const { talk, total, longest } = talkStats(state.segmentList);
    if (!total) return;
    const shares = Object.entries(talk)
      .map(([speaker, seconds]) => t("talk_part", { speaker: speakerName(speaker), share: `${Math.round((100 * seconds) / total)}%` }))
      .join(" · ");
    ui.talk.textContent = `${shares} · ${t("longest_turn", { speaker: speakerName(longest.speaker), time: fmtClock(longest.seconds) })}`;
  };

  const addCue = (cue) => {
    if (!ui.cues) return;
    ui.cueEmpty.hidden = true;
    const element = renderCue(cue, t);
    if (!element) return;
    const slot = ui.cues.querySelector(`[data-cue-slot="${cue.kind}"]`);
    if (cue.kind === "risk" || cue.kind === "goal") {
      slot.append(element); // each is its own chip
    } else {
      slot.replaceChildren(element); // the latest reading replaces the one before
    }
    slot.hidden = false;
  };

  // ---- Microphone ---------------------------------------------------------------------------------
  const checkChannels = (peaks) => {
    if (state.channels !== 2 || !peaks || !ui.channelWarning) return;
    peaks.forEach((peak, c) => { state.heard[c] = Math.max(state.heard[c], peak); });
    if (state.nextOffset / RATE < CHANNEL_CHECK_SECONDS) return;
    const [left, right] = state.heard;
    const silent = left < SILENT_PEAK && right >= SPEECH_PEAK ? "left" : right < SILENT_PEAK && left >= SPEECH_PEAK ? "right" : null;
    ui.channelWarning.hidden = !silent;
    if (silent) ui.channelWarning.textContent = t(`channel_silent_${silent}`);
  };

  const onFrame = (data) => {
    if (data.type !== "pcm") return;
    ui.level.value = data.peak;
    if (state.phase !== "live") return; // paused, or stopped: not recorded
    checkChannels(data.peaks);
    state.frames.push({ offset: state.nextOffset, bytes: data.pcm });
    state.nextOffset += data.pcm.byteLength / frameBytes();
    ui.timer.textContent = fmtClock(state.nextOffset / RATE);
    ui.timer.dataset.seconds = (state.nextOffset / RATE).toFixed(3); // exact, for comparing with the stored input
    while (buffered() > MAX_BUFFER_SECONDS) {
      state.frames.shift();
      setStatus(t("buffer_full"));
    }
    flushFrames();
  };

  // Two channels only when the clinician asked for them and the device gives them: a one-channel
  // microphone streams mono (voices told apart at the end), and the page says so.
  const openMicrophone = async () => {
    const wantStereo = Boolean(ui.stereo?.checked);
    state.stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        channelCount: wantStereo ? { ideal: 2 } : 1,
        // Chromium's gain control processes one channel and copies it to both: two microphones are
        // levelled by the interface instead, so each channel stays the speaker's own.
        echoCancellation: false, noiseSuppression: false, autoGainControl: !wantStereo,
      },
    });
    const given = state.stream.getAudioTracks()[0]?.getSettings().channelCount;
    state.channels = wantStereo && given === 2 ? 2 : 1;
    state.monoFallback = wantStereo && state.channels === 1;
    state.audio = new AudioContext();
    await state.audio.audioWorklet.addModule(root.dataset.workletUrl);
    state.worklet = new AudioWorkletNode(state.audio, "pcm-downsampler", {
      numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1],
      // Stereo keeps left and right apart ("discrete"); mono lets the worklet mix whatever arrives.
      ...(state.channels === 2 ? { channelCount: 2, channelCountMode: "explicit", channelInterpretation: "discrete" } : {}),
      processorOptions: { frameSeconds: 0.1, channels: state.channels },
    });
    state.worklet.port.onmessage = (event) => onFrame(event.data);
    state.audio.createMediaStreamSource(state.stream).connect(state.worklet);
    state.worklet.connect(state.audio.destination); // silent: the node only needs to be pulled
  };

  const flushWorklet = () => new Promise((resolve) => {
    if (!state.worklet) return resolve();
    const port = state.worklet.port;
    const done = () => { port.removeEventListener("message", onFlushed); resolve(); };
    const onFlushed = (event) => { if (event.data?.type === "flushed") done(); };
    port.addEventListener("message", onFlushed);
    port.postMessage({ type: "flush" });
    setTimeout(done, 500);
  });

  const closeMicrophone = () => {
    state.stream?.getTracks().forEach((track) => track.stop());
    state.audio?.close().catch(() => {});
    state.stream = state.audio = state.worklet = null;
    ui.level.value = 0;
  };

  // ---- Life cycle ---------------------------------------------------------------------------------
  const keepSignedIn = () => {
    // A session in progress is activity: the idle sign-out must not end it (idle.js listens).
    state.activity = setInterval(() => document.dispatchEvent(new CustomEvent("interlude:activity")), ACTIVITY_EVERY_MS);
  };

  const warnBeforeLeaving = (event) => {
    if (state.phase === "live" || state.phase === "paused" || state.phase === "stopping") event.preventDefault();
  };

  const teardown = () => {
    clearTimeout(state.retryTimer);
    clearInterval(state.activity);
    closeMicrophone();
    window.removeEventListener("beforeunload", warnBeforeLeaving);
  };

  const fail = (text) => {
    teardown();
    show("failed");
    setStatus(text);
  };

  const refuseForConsent = () => {
    teardown();
    show("refused");
    const socket = state.socket;
    state.socket = null;
    socket?.close();
    setStatus(t("refused_consent"));
    ui.consent.hidden = false;
    ui.start.hidden = true;
  };

  const finish = () => {
    teardown();
    show("done");
    const socket = state.socket;
    state.socket = null;
    socket?.close(1000);
    // The session page shows its newest draft: this one (message.draft_id) until the full pass adds
    // its own. The query makes it a new page load (a bare #fragment would only scroll) and says why.
    ui.draft.href = `${root.dataset.draftUrl}?live=done#note-heading`;
    ui.draft.hidden = false;
    setStatus(t("done"));
    window.location.assign(ui.draft.href);
  };

  // The consent notice's links open the dictation recorder or the typed summary they point at.
  root.querySelectorAll("[data-live-open]").forEach((a) => a.addEventListener("click", () => {
    const target = document.querySelector(a.hash);
    if (target instanceof HTMLDetailsElement) target.open = true;
  }));

  if (ui.stereo) {
    try { ui.stereo.checked = localStorage.getItem(STEREO_KEY) === "1"; } catch { /* storage off: unchecked */ }
    ui.stereo.addEventListener("change", () => {
      try { localStorage.setItem(STEREO_KEY, ui.stereo.checked ? "1" : "0"); } catch { /* not remembered */ }
    });
    ui.stereo.disabled = false; // rendered disabled: a tick before this ran would be overwritten by the stored choice
  }

  ui.start.disabled = false; // rendered disabled: a click before this module listens would do nothing
  ui.start.addEventListener("click", async () => {
    ui.start.disabled = true;
    setStatus(t("starting"));
    try {
      await openMicrophone();
    } catch (err) {
      closeMicrophone();
      ui.start.disabled = false;
      setStatus(t("no_microphone", { reason: err.message || err.name }));
      return;
    }
    ui.start.disabled = false;
    ui.panel.hidden = false;
    state.frames = [];
    state.nextOffset = state.sentUpTo = 0;
    state.stopSent = false;
    show("live");
    setStatus(t("connecting"));
    keepSignedIn();
    window.addEventListener("beforeunload", warnBeforeLeaving);
    connect();
    ui.pause.focus();
  });

  ui.pause.addEventListener("click", async () => {
    await flushWorklet(); // what was said before the click is kept
    show("paused");
    send({ type: "pause" });
    setStatus(t("paused"));
    ui.resume.focus();
  });

  ui.resume.addEventListener("click", () => {
    show("live");
    send({ type: "resume" });
    setStatus(state.ready ? liveText() : t("connecting"));
    ui.pause.focus();
  });

  ui.stop.addEventListener("click", async () => {
    const wasLive = state.phase === "live";
    if (wasLive) await flushWorklet();
    show("stopping");
    closeMicrophone();
    setStatus(t("finishing"));
    ui.status.focus();
    flushFrames(); // sends stop once every frame is out; after a reconnection if need be
    setTimeout(() => {
      if (state.phase !== "stopping") return;
      ui.draft.hidden = false; // the session page shows the draft whenever it is written
      setStatus(t("slow_draft"));
    }, SLOW_DRAFT_MS);
  });
}

export function startLiveSessions(root) {
  root.querySelectorAll("[data-live-session]").forEach(startOne);
}
