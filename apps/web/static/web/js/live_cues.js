// The live session's quiet cue panel: one element per cue the server sends (talk time, affect, risk
// language, plan goals), and the talk-time figures the page keeps itself from the committed segments.
// Text only through the translated strings `t`; risk is never colour alone (icon and words).

export function fmtClock(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(s / 3600);
  const mm = String(Math.floor((s % 3600) / 60)).padStart(h ? 2 : 1, "0");
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

const pct = (share) => `${Math.round(Number(share) * 100)}%`;

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function link(href, text, t) {
  const a = el("a", "", text);
  a.href = href;
  a.target = "_blank"; // the live session keeps running in this tab
  a.rel = "noopener";
  a.append(el("span", "visually-hidden", ` (${t("new_tab")})`));
  return a;
}

function riskCue(cue, t) {
  const ev = cue.evidence || {};
  const item = el("li", "cue cue-risk");
  item.append(el("span", "cue-icon", "⚠"));
  item.firstChild.setAttribute("aria-hidden", "true");
  item.append(el("strong", "", t("risk_language")), " ");
  const quote = ev.quote || ev.text;
  if (quote) item.append(el("q", "", quote), " ");
  const at = cue.at ?? ev.start;
  if (at !== undefined && at !== null) {
    const time = el("time", "small", t("at_time", { time: fmtClock(at) }));
    item.append(time);
  }
  const links = el("span", "cue-links");
  if (ev.cssrs_url) links.append(link(ev.cssrs_url, t("cssrs_prompt"), t));
  if (ev.safety_plan_url) {
    if (links.childNodes.length) links.append(" · ");
    links.append(link(ev.safety_plan_url, t("safety_plan"), t));
  }
  if (links.childNodes.length) item.append(" ", links);
  return item;
}

function goalCue(cue, t) {
  const ev = cue.evidence || {};
  const item = el("li", "cue cue-goal");
  item.append(el("strong", "", ev.kind === "homework" ? t("homework_touched") : t("goal_touched")), " ");
  item.append(el("span", "", ev.goal || ev.text || ev.goal_key || ""));
  if (Array.isArray(ev.matched) && ev.matched.length) {
    item.append(" ", el("span", "small muted", t("matched_words", { words: ev.matched.join(", ") })));
  }
  return item;
}

function affectCue(cue, t) {
  const ev = cue.evidence || {};
  const minutes = Math.round((Number(ev.window_seconds) || 180) / 60);
  const emotion = t(`emotion_${ev.emotion}`);
  return el("p", "cue cue-affect", t("affect", {
    emotion: emotion.startsWith("emotion_") ? ev.emotion : emotion, minutes,
  }));
}

function talkCue(cue, t) {
  const ev = cue.evidence || {};
  const text = ev.reason === "monologue"
    ? t("talk_monologue", { seconds: Math.round(Math.max(0, ...Object.values(ev.longest_monologue_seconds || {}))) })
    : t("talk_share", { share: pct(ev.clinician_share) });
  return el("p", "cue cue-talk", text);
}

const RENDER = { risk: riskCue, goal: goalCue, affect: affectCue, talk_time: talkCue };

export function renderCue(cue, t) {
  const render = RENDER[cue.kind];
  return render ? render(cue, t) : null;
}

// Talk time from the committed segments: each speaker's share and the longest unbroken turn.
export function talkStats(segments) {
  const talk = {};
  let longest = { speaker: null, seconds: 0 };
  let run = null;
  for (const s of segments) {
    const length = Math.max(0, Number(s.end) - Number(s.start));
    talk[s.speaker] = (talk[s.speaker] || 0) + length;
    if (run && run.speaker === s.speaker) {
      run.end = Number(s.end);
    } else {
      run = { speaker: s.speaker, start: Number(s.start), end: Number(s.end) };
    }
    if (run.end - run.start > longest.seconds) longest = { speaker: run.speaker, seconds: run.end - run.start };
  }
  const total = Object.values(talk).reduce((a, b) => a + b, 0);
  return { talk, total, longest };
}
