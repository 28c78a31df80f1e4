// Entry module for every clinician page: wires the small islands that need script.
import { startIdleTimer } from "./idle.js";
import { startLiveEvents } from "./live.js";
import { startCountdowns } from "./countdown.js";
import { wireDialogs } from "./dialogs.js";

const body = document.body;
if (body.dataset.idleSeconds && Number(body.dataset.idleSeconds) > 0) {
  startIdleTimer(body);
  startLiveEvents(body);
}
startCountdowns(document);
wireDialogs(document);
if (document.querySelector("[data-recorder]")) {
  import("./recorder.js").then((m) => m.startRecorders(document));
}
if (document.querySelector("[data-live-session]")) {
  import("./live_session.js").then((m) => m.startLiveSessions(document));
}
document.body.addEventListener("htmx:afterSettle", (event) => {
  startCountdowns(event.target);
  wireDialogs(event.target);
});
