// Scan the enrolment QR code with the camera where the browser can decode QR codes (BarcodeDetector:
// Chrome on Android, macOS, ChromeOS). Elsewhere the code is typed; the QR also prints it in letters.
const _ = (s) => (window.gettext ? window.gettext(s) : s);
const box = document.querySelector("[data-qr]");

function codeFrom(text) {
  try {
    const url = new URL(text);
    if (url.searchParams.get("code")) return url.searchParams.get("code");
  } catch (e) {
    // not a URL: the code itself
  }
  return /^[A-Z0-9-]{8,9}$/i.test(text.trim()) ? text.trim() : "";
}

async function scan() {
  const video = box.querySelector("[data-qr-video]");
  const status = box.querySelector("[data-qr-status]");
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  } catch (e) {
    status.textContent = _("The camera is not available. Type the code instead.");
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  await video.play();
  status.textContent = _("Point the camera at the QR code.");
  const detector = new window.BarcodeDetector({ formats: ["qr_code"] });
  const finish = () => {
    stream.getTracks().forEach((t) => t.stop());
    video.hidden = true;
  };
  const look = async () => {
    if (video.hidden) return;
    try {
      const codes = await detector.detect(video);
      const code = codes.map((c) => codeFrom(c.rawValue)).find(Boolean);
      if (code) {
        finish();
        const input = document.querySelector("input[name=code]");
        input.value = code;
        status.textContent = _("Code found. Now choose a username and password.");
        document.querySelector("input[name=username]").focus();
        return;
      }
    } catch (e) {
      // a frame that could not be read: try the next one
    }
    setTimeout(look, 250);
  };
  look();
}

(async () => {
  if (!box || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    if (!formats.includes("qr_code")) return;
  } catch (e) {
    return;
  }
  box.hidden = false;
  box.querySelector("[data-qr-start]").addEventListener("click", scan);
})();
