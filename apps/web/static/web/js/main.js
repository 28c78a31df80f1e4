// Entry module for every clinician page: wires the small islands that need script.
import { startIdleTimer } from "./idle.js";
import { startLiveEvents } from "./live.js";
import { startCountdowns } from "./countdown.js";

const body = document.body;
if (body.dataset.idleSeconds && Number(body.dataset.idleSeconds) > 0) {
  startIdleTimer(body);
  startLiveEvents(body);
}
startCountdowns(document);
document.body.addEventListener("htmx:afterSettle", (event) => startCountdowns(event.target));
