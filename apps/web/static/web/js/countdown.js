// Escalation timers: <time datetime=… data-countdown> elements show "in N minutes" and keep it current.
const rtf = new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "always" });

function render(el) {
  const minutes = Math.round((Date.parse(el.getAttribute("datetime")) - Date.now()) / 60000);
  el.textContent = minutes >= 0 ? rtf.format(minutes, "minute") : `${rtf.format(minutes, "minute")} (overdue)`;
}

let timer = null;
export function startCountdowns(root) {
  root.querySelectorAll?.("time[data-countdown]").forEach(render);
  if (timer === null) {
    timer = setInterval(() => document.querySelectorAll("time[data-countdown]").forEach(render), 30_000);
  }
}
