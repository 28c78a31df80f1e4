// My plan: one tap logs a coping strategy or homework (through the outbox, so it counts offline), and
// the themes list comes from the API when the practice has turned it on.
import * as outbox from "./outbox.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);

for (const button of document.querySelectorAll("[data-coping]")) {
  button.addEventListener("click", async () => {
    const id = outbox.newId();
    await outbox.add({
      id,
      kind: "coping",
      url: "/api/v1/me/coping/",
      label: button.dataset.strategy,
      json: { id, kind: button.dataset.coping, strategy: button.dataset.strategy, ...outbox.stamp() },
    });
    button.setAttribute("aria-pressed", "true");
  });
}

const themes = document.querySelector("[data-themes]");
if (themes) {
  fetch("/api/v1/me/themes/", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : []))
    .then((rows) => {
      const items = rows.map((row) => {
        const li = document.createElement("li");
        li.textContent = row.message;
        return li;
      });
      if (!items.length) {
        const li = document.createElement("li");
        li.textContent = _("Nothing stands out yet.");
        items.push(li);
      }
      themes.replaceChildren(...items);
    })
    .catch(() => {
      themes.replaceChildren(Object.assign(document.createElement("li"), { textContent: _("Needs a connection.") }));
    });
}
