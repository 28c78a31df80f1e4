// The voice journal page: record (level meter, timer, pause/resume, stop, review, record again, throw
// away), send through the outbox (upload progress, retries), or write instead. On an entry's page, the
// status updates live until the transcript appears.
import * as outbox from "./outbox.js";
import { watchJournal } from "./live.js";
import { Recorder, extensionFor } from "./recorder.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const MAX_SECONDS = 15 * 60;

function setupRecorder(root) {
  const $ = (sel) => root.querySelector(sel);
  const status = $("[data-recorder-status]");
  const timer = $("[data-timer]");
  const meter = $("[data-meter]");
  let recorder = null;
  let blob = null;
  let seconds = 0;
  let clock = null;
  let tapAt = 0;

  const show = (names) => {
    for (const name of ["record", "pause", "resume", "stop"]) $(`[data-${name}]`).hidden = !names.includes(name);
  };
  const tick = () => {
    seconds += 1;
    timer.textContent = `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
    if (seconds >= MAX_SECONDS) stop();
  };
  const reset = () => {
    if (recorder) recorder.release();
    recorder = null;
    blob = null;
    seconds = 0;
    clearInterval(clock);
    timer.textContent = "0:00";
    meter.style.setProperty("--level", "0");
    $("[data-review]").hidden = true;
    const playback = $("[data-playback]");
    if (playback.src) URL.revokeObjectURL(playback.src);
    playback.removeAttribute("src");
    show(["record"]);
  };

  async function begin() {
    reset();
    tapAt = performance.now();
    recorder = new Recorder({
      onLevel: (level) => meter.style.setProperty("--level", level.toFixed(2)),
      onStart: () => {
        root.dataset.startLatencyMs = String(Math.round(performance.now() - tapAt));
        root.dataset.state = "recording";
      },
    });
    try {
      await recorder.start();
    } catch (error) {
      status.textContent = _("The microphone is not available. Allow it in your browser settings, or write your entry below.");
      recorder = null;
      return;
    }
    clock = setInterval(tick, 1000);
    status.textContent = _("Recording…");
    show(["pause", "stop"]);
    $("[data-stop]").focus();
  }

  async function stop() {
    if (!recorder) return;
    clearInterval(clock);
    blob = await recorder.stop();
    recorder = null;
    root.dataset.state = "review";
    meter.style.setProperty("--level", "0");
    show([]);
    $("[data-review]").hidden = false;
    $("[data-playback]").src = URL.createObjectURL(blob);
    status.textContent = _("Listen back, then send it, record again or throw it away.");
    $("[data-send]").focus();
  }

  $("[data-record]").addEventListener("click", begin);
  $("[data-stop]").addEventListener("click", stop);
  $("[data-pause]").addEventListener("click", () => {
    recorder.pause();
    clearInterval(clock);
    status.textContent = _("Paused.");
    show(["resume", "stop"]);
    $("[data-resume]").focus();
  });
  $("[data-resume]").addEventListener("click", () => {
    recorder.resume();
    clock = setInterval(tick, 1000);
    status.textContent = _("Recording…");
    show(["pause", "stop"]);
    $("[data-pause]").focus();
  });
  $("[data-discard]").addEventListener("click", () => {
    reset();
    status.textContent = _("Recording thrown away.");
    $("[data-record]").focus();
  });
  $("[data-rerecord]").addEventListener("click", begin);
  $("[data-send]").addEventListener("click", async () => {
    if (!blob) return;
    const id = outbox.newId();
    const ext = extensionFor(blob.type);
    const stamp = outbox.stamp();
    await outbox.add({
      id,
      kind: "journal-audio",
      url: "/api/v1/me/journals/",
      label: timer.textContent,
      filename: `journal.${ext}`,
      form: { id, occurred_at: stamp.occurred_at, timezone: stamp.timezone, audio: blob },
    });
    reset();
    root.dataset.state = "sent";
    status.textContent = navigator.onLine
      ? _("Sending your recording. You can follow it below.")
      : _("Your recording is kept on this phone and will be sent when you're back online.");
  });
  show(["record"]);
}

function setupTyped(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = form.querySelector("textarea[name=text]");
    if (!text.value.trim()) {
      text.setAttribute("aria-invalid", "true");
      text.focus();
      return;
    }
    const id = outbox.newId();
    await outbox.add({
      id,
      kind: "journal-text",
      url: "/api/v1/me/journals/",
      label: text.value.trim().slice(0, 30),
      json: { id, text: text.value.trim(), ...outbox.stamp() },
    });
    text.value = "";
    text.removeAttribute("aria-invalid");
  });
}

function setupEntryPage(el) {
  if (["done", "failed", "language_unsupported"].includes(el.dataset.entryLive)) return;
  const labels = {
    done: _("done"),
    failed: _("could not be processed"),
    language_unsupported: _("not transcribed: language not supported by the installed model"),
  };
  watchJournal(el.dataset.entry, (status, entry) => {
    el.querySelector("[data-entry-status]").textContent = labels[status] || _("transcribing");
    if (entry) {
      const box = document.querySelector("[data-transcript]");
      const p = document.createElement("p");
      p.textContent = entry.text || _("No transcript for this recording.");
      box.replaceChildren(p);
    }
  });
}

const recorderRoot = document.querySelector("[data-recorder]");
if (recorderRoot) {
  if (!("MediaRecorder" in window) || !navigator.mediaDevices) {
    recorderRoot.querySelector("[data-recorder-status]").textContent = _("This browser cannot record audio. You can write your entry below.");
    recorderRoot.querySelector("[data-record]").disabled = true;
  } else {
    setupRecorder(recorderRoot);
  }
}
const typed = document.querySelector("form[data-typed-journal]");
if (typed) setupTyped(typed);
const entry = document.querySelector("[data-entry-live]");
if (entry) setupEntryPage(entry);
