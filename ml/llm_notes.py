"""Optional drafting through a practice-hosted, OpenAI-compatible chat endpoint.

Three guards:
1. Pseudonymisation: known identifiers (the patient's and contacts' names, the clinician's name, dates of
   birth, phone numbers, e-mail addresses) are replaced with placeholders before anything is sent.
2. A versioned prompt that asks for JSON, where every sentence cites the utterance numbers it rests on.
3. Verification: every returned sentence is compared (all-MiniLM-L6-v2) with the utterances it cites,
   or with all of them when it cites none; below the threshold it is flagged ``unsupported`` for the
   clinician instead of being silently accepted.
"""

from __future__ import annotations

import json
import re
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass

from ml.notes import Draft, DraftSection, DraftSentence, Evidence, Record, Utterance

PROMPT_VERSION = "note-llm-prompt-1"
SUPPORT_THRESHOLD = 0.45
EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d ()-]{6,}\d)(?!\w)")
DATE = re.compile(r"\b\d{1,4}[/-]\d{1,2}[/-]\d{1,4}\b")

SYSTEM_PROMPT = """You draft clinical session notes for a therapist to review. Rules:
- Use only what is in the numbered utterances and records. Never add observations nobody made.
- Write short factual sentences. After each, list the utterance numbers or record ids it rests on.
- If a section has no supporting material, return an empty list for it.
- Placeholders like [PATIENT] stand for people; keep them as they are.
Answer with JSON only: {"sections": {"<section key>": [{"text": "...", "evidence": ["u3", "r1"]}]}}"""


@dataclass(frozen=True)
class LLMConfig:
    url: str  # base URL, e.g. http://llm.internal:8000/v1
    model: str
    api_key: str = ""
    timeout: float = 120.0


class Pseudonymiser:
    def __init__(self, identifiers: dict[str, str]):
        """``identifiers``: real text -> placeholder, e.g. {"Robin Quill": "[PATIENT]"}; first names are added."""
        pairs = dict(identifiers)
        for real, placeholder in identifiers.items():
            for part in real.split():
                if len(part) > 2 and part[0].isupper():
                    pairs.setdefault(part, placeholder)
        self.pairs = sorted(pairs.items(), key=lambda kv: -len(kv[0]))

    def __call__(self, text: str) -> str:
        for real, placeholder in self.pairs:
            text = re.sub(rf"\b{re.escape(real)}\b", placeholder, text, flags=re.I)
        text = EMAIL.sub("[EMAIL]", text)
        text = PHONE.sub("[PHONE]", text)
        return DATE.sub("[DATE]", text)


def build_messages(
    template: dict, utterances: Sequence[Utterance], records: Sequence[Record], pseudonymise: Pseudonymiser
) -> list[dict]:
    sections = "\n".join(f"- {s['key']}: {s['title']} ({s['guidance']})" for s in template["sections"])
    lines = [f"u{u.index} [{u.speaker}]: {pseudonymise(u.text)}" for u in utterances]
    lines += [f"r{i} [record]: {pseudonymise(r.text)}" for i, r in enumerate(records)]
    user = f"Template {template['title']} with sections:\n{sections}\n\nMaterial:\n" + "\n".join(lines)
    return [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": user}]


def call(config: LLMConfig, messages: list[dict]) -> str:
    body = json.dumps({"model": config.model, "messages": messages, "temperature": 0}).encode()
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    if not config.url.startswith(("http://", "https://")):
        raise ValueError("the LLM endpoint must be an http(s) URL")
    url = config.url.rstrip("/") + "/chat/completions"
    request = urllib.request.Request(url, data=body, headers=headers)  # noqa: S310 - scheme checked above
    with urllib.request.urlopen(request, timeout=config.timeout) as response:  # noqa: S310 - a configured URL
        return json.loads(response.read())["choices"][0]["message"]["content"]


def draft_with_llm(
    config: LLMConfig,
    template: dict,
    utterances: Sequence[Utterance],
    records: Sequence[Record],
    identifiers: dict[str, str],
    encoder,
) -> tuple[Draft, dict]:
    """The draft plus a report (prompt version, counts of supported and unsupported sentences)."""
    pseudonymise = Pseudonymiser(identifiers)
    content = call(config, build_messages(template, utterances, records, pseudonymise))
    match = re.search(r"\{.*\}", content, re.S)
    payload = json.loads(match.group(0)) if match else {"sections": {}}
    by_index = {f"u{u.index}": u for u in utterances}
    records_by_id = {f"r{i}": r for i, r in enumerate(records)}
    utterance_vectors = encoder.encode([pseudonymise(u.text) for u in utterances]) if utterances else None
    sections, unsupported = [], 0
    for spec in template["sections"]:
        sentences = []
        for item in payload.get("sections", {}).get(spec["key"], []):
            text = str(item.get("text", "")).strip()
            if not text:
                continue
            cited = [c for c in item.get("evidence", []) if c in by_index or c in records_by_id]
            evidence = tuple(
                Evidence("utterance", str(by_index[c].index), by_index[c].start, by_index[c].end)
                if c in by_index
                else Evidence("record", records_by_id[c].ref)
                for c in cited
            )
            supported = any(c in records_by_id for c in cited)
            if not supported and utterance_vectors is not None:
                rows = [u.index for u in utterances if f"u{u.index}" in cited] or [u.index for u in utterances]
                positions = [i for i, u in enumerate(utterances) if u.index in rows]
                similarity = float((encoder.encode([text]) @ utterance_vectors[positions].T).max())
                supported = similarity >= SUPPORT_THRESHOLD
            unsupported += not supported
            sentences.append(DraftSentence(text, "llm" if supported else "llm_unsupported", evidence))
        sections.append(DraftSection(spec["key"], spec["title"], tuple(sentences)))
    draft = Draft(
        template["key"],
        template["version"],
        tuple(sections),
        engine="openai-compatible",
        engine_version=PROMPT_VERSION,
        versions={"model": config.model, "prompt": PROMPT_VERSION},
    )
    return draft, {
        "prompt_version": PROMPT_VERSION,
        "model": config.model,
        "unsupported_sentences": unsupported,
        "support_threshold": SUPPORT_THRESHOLD,
    }
