// In-browser recording (MediaRecorder): level meter, timer, pause, upload to the session's inputs URL
// (the same endpoint as the upload form). Session recordings need the patient's consent; without it
// the server refuses them and only the dictation choice is enabled here.
function fmt(seconds) {
  return `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
}

function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value || "";
}

function startOne(root) {
  const $ = (name) => root.querySelector(`[data-rec="${name}"]`);
  const [start, pause, stop, timer, level, status] = ["start", "pause", "stop", "timer", "level", "status"].map($);
  let recorder = null, stream = null, chunks = [], elapsed = 0, tick = null, audioCtx = null, raf = null;

  const meter = (analyser) => {
    const data = new Uint8Array(analyser.fftSize);
    const draw = () => {
      analyser.getByteTimeDomainData(data);
      let peak = 0;
      for (const v of data) peak = Math.max(peak, Math.abs(v - 128) / 128);
      level.value = peak;
      raf = requestAnimationFrame(draw);
    };
    draw();
  };

  start.addEventListener("click", async () => {
    const kind = root.querySelector("input[name=rec-kind]:checked")?.value || "dictation";
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch (err) {
      status.textContent = `Microphone unavailable: ${err.message}`;
      return;
    }
    audioCtx = new AudioContext();
    const analyser = audioCtx.createAnalyser();
    audioCtx.createMediaStreamSource(stream).connect(analyser);
    meter(analyser);
    chunks = [];
    elapsed = 0;
    recorder = new MediaRecorder(stream);
    recorder.addEventListener("dataavailable", (e) => e.data.size && chunks.push(e.data));
    recorder.addEventListener("stop", () => upload(kind));
    recorder.start(1000);
    tick = setInterval(() => {
      if (recorder.state === "recording") elapsed += 1;
      timer.textContent = fmt(elapsed);
    }, 1000);
    start.disabled = true;
    pause.disabled = false;
    stop.disabled = false;
    status.textContent = "Recording";
  });

  pause.addEventListener("click", () => {
    if (recorder.state === "recording") {
      recorder.pause();
      pause.textContent = "Resume";
      status.textContent = "Paused";
    } else {
      recorder.resume();
      pause.textContent = "Pause";
      status.textContent = "Recording";
    }
  });

  stop.addEventListener("click", () => {
    clearInterval(tick);
    cancelAnimationFrame(raf);
    recorder.stop();
    stream.getTracks().forEach((t) => t.stop());
    audioCtx.close();
    pause.disabled = true;
    stop.disabled = true;
    status.textContent = "Uploading…";
  });

  async function upload(kind) {
    const type = recorder.mimeType || "audio/webm";
    const ext = type.includes("mp4") ? "m4a" : type.includes("ogg") ? "ogg" : "webm";
    const form = new FormData();
    form.append("kind", kind);
    form.append("audio", new Blob(chunks, { type }), `recording.${ext}`);
    const response = await fetch(root.dataset.uploadUrl, {
      method: "POST",
      body: form,
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
      credentials: "same-origin",
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      status.textContent = "Uploaded. Processing…";
      window.location.assign(body.url);
    } else {
      status.textContent = body.error?.message || "Upload failed.";
      start.disabled = false;
    }
  }
}

export function startRecorders(root) {
  root.querySelectorAll("[data-recorder]").forEach(startOne);
}
