// One item per screen, offline. Answers are saved on the phone as they are given (resume later). A
// risky answer (the instrument's own risk rules) shows the supportive message, crisis lines and the
// safety plan at once, with no network. The server scores the submission and alerts the care team.
import * as outbox from "./outbox.js";

const _ = (s) => (window.gettext ? window.gettext(s) : s);
const interpolate = (fmt, obj) => (window.interpolate ? window.interpolate(fmt, obj) : fmt);
const logic = JSON.parse(document.getElementById("questionnaire-logic").textContent);
const form = document.querySelector("form[data-questionnaire]");
const support = document.querySelector("[data-support]");
const done = document.querySelector("[data-done]");
const draftKey = `questionnaire:${logic.key}`;
const items = logic.items;
let answers = {};
let step = 0;
let draftId = outbox.newId();

function asked(item) {
  const rule = item.ask_if;
  return !rule || answers[rule.item] === rule.equals;
}

function visibleItems() {
  return items.filter(asked);
}

function risky() {
  return logic.risk_rules.some((rule) =>
    rule.when.every((c) => answers[c.item] !== undefined && answers[c.item] >= (c.gte ?? 1)),
  );
}

function fieldset(id) {
  return form.querySelector(`[data-item="${id}"]`);
}

function show() {
  const list = visibleItems();
  step = Math.min(step, list.length - 1);
  for (const el of form.querySelectorAll("[data-item]")) el.hidden = el.dataset.item !== list[step].id;
  const current = fieldset(list[step].id);
  form.querySelector("[data-progress]").textContent = interpolate(_("Question %s of %s"), [step + 1, list.length]);
  form.querySelector("[data-back]").hidden = step === 0;
  form.querySelector("[data-next]").hidden = step === list.length - 1;
  form.querySelector("[data-submit]").hidden = step !== list.length - 1;
  return current;
}

function focusItem() {
  const current = show();
  const checked = current.querySelector("input:checked") || current.querySelector("input");
  if (checked) checked.focus();
}

async function saveDraft() {
  await outbox.drafts.put({ key: draftKey, id: draftId, answers, step, savedAt: Date.now() });
}

function showSupport() {
  if (!risky() || !support.hidden) return;
  support.hidden = false;
  const crisis = support.querySelector("#crisis");
  if (crisis) crisis.focus();
}

function currentError(message) {
  const current = fieldset(visibleItems()[step].id);
  let error = current.querySelector(".error");
  if (!message) {
    if (error) error.remove();
    return;
  }
  if (!error) {
    error = document.createElement("p");
    error.className = "error";
    error.setAttribute("role", "alert");
    current.append(error);
  }
  error.textContent = message;
}

function answered() {
  const item = visibleItems()[step];
  if (!item.required || answers[item.id] !== undefined) return true;
  currentError(_("Choose an answer to go on."));
  return false;
}

form.addEventListener("change", async (event) => {
  const input = event.target;
  if (input.type !== "radio") return;
  answers[input.name] = Number(input.value);
  // Answers to questions that are no longer asked are dropped (the C-SSRS follow-ups).
  for (const item of items) if (!asked(item)) delete answers[item.id];
  currentError("");
  await saveDraft();
  showSupport();
});

form.querySelector("[data-next]").addEventListener("click", async () => {
  if (!answered()) return;
  step += 1;
  await saveDraft();
  focusItem();
});

form.querySelector("[data-back]").addEventListener("click", async () => {
  step = Math.max(0, step - 1);
  await saveDraft();
  focusItem();
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (!answered()) return;
  const id = draftId;
  await outbox.add({
    id,
    kind: "questionnaire",
    url: "/api/v1/me/questionnaires/",
    label: document.querySelector("h1").textContent,
    json: { id, instrument: logic.key, language: logic.language, answers, ...outbox.stamp() },
  });
  await outbox.drafts.delete(draftKey);
  form.hidden = true;
  done.hidden = false;
  done.querySelector("[data-done-status]").textContent = navigator.onLine
    ? _("Your answers were sent to your care team.")
    : _("Your answers are kept on this phone and will be sent when you're back online.");
  if (support.hidden) done.focus();
});

(async () => {
  const draft = await outbox.drafts.get(draftKey);
  if (draft) {
    answers = draft.answers || {};
    step = draft.step || 0;
    draftId = draft.id;
    for (const [name, value] of Object.entries(answers)) {
      const input = form.querySelector(`input[name="${name}"][value="${value}"]`);
      if (input) input.checked = true;
    }
    showSupport();
  }
  document.body.dataset.questionnaireReady = "true";
  show();
})();
