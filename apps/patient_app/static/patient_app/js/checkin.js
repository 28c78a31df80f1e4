// The mood check-in: three rows of numbers (tap, or arrow keys: no dragging). With a pointer, the
// check-in is saved as soon as all three rows have a choice (three taps); keyboard users press Save.
// It goes to the outbox first, so it is kept with no connection.
import * as outbox from "./outbox.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const SCALES = ["mood", "anxiety", "energy"];

function chosen(form, name) {
  const input = form.querySelector(`input[name="${name}"]:checked`);
  return input ? Number(input.value) : null;
}

function showErrors(form, missing) {
  for (const fieldset of form.querySelectorAll("[data-scale]")) {
    const name = fieldset.dataset.scale;
    let error = fieldset.querySelector(".error[data-js]");
    if (missing.includes(name)) {
      if (!error) {
        error = document.createElement("p");
        error.className = "error";
        error.dataset.js = "";
        fieldset.append(error);
      }
      error.textContent = _("Choose a number.");
      fieldset.classList.add("has-error");
    } else if (error) {
      error.remove();
      fieldset.classList.remove("has-error");
    }
  }
}

async function save(form) {
  const missing = SCALES.filter((name) => chosen(form, name) === null);
  showErrors(form, missing);
  if (missing.length) {
    form.querySelector(`[data-scale="${missing[0]}"] input`).focus();
    return;
  }
  const note = form.querySelector("textarea[name=note]");
  const json = { id: outbox.newId(), ...outbox.stamp() };
  for (const name of SCALES) json[name] = chosen(form, name);
  if (note && note.value.trim()) json.note = note.value.trim();
  await outbox.add({
    id: json.id,
    kind: "checkin",
    url: "/api/v1/me/checkins/",
    label: `${_("mood")} ${json.mood}`,
    json,
  });
  form.reset();
  const status = document.createElement("p");
  status.className = "alert ok";
  status.setAttribute("role", "status");
  status.dataset.checkinSaved = "";
  status.textContent = navigator.onLine ? _("Check-in saved.") : _("Check-in kept on this phone; it will be sent when you're back online.");
  form.querySelectorAll("[data-checkin-saved]").forEach((el) => el.remove());
  form.prepend(status);
}

for (const form of document.querySelectorAll("form[data-checkin]")) {
  let pointer = false;
  form.addEventListener("pointerdown", () => {
    pointer = true;
  });
  form.addEventListener("keydown", () => {
    pointer = false;
  });
  form.addEventListener("change", (event) => {
    if (!pointer || !SCALES.includes(event.target.name)) return;
    if (SCALES.every((name) => chosen(form, name) !== null)) save(form);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    save(form);
  });
}
