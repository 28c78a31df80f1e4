"""Clinician web app: page server time at two years of data, and JavaScript weight per page.

    .venv/bin/python -m benchmarks.web_pages [--requests 100] [--database-url postgres://…/scratch]

Seeds one patient with two years of daily check-ins, 26 PHQ-9 and 26 GAD-7 administrations, a safety
plan, a treatment plan and a session with an 80-utterance typed transcript and a signed, amended note,
in a scratch database; starts uvicorn on loopback and times each page with a signed-in clinician's
session cookie (full stack: session, idle-timeout middleware, scope, read audit, templates). Prints
p50/p95 and the p95 ratio to /health/live measured in the same run (target <= 5x), then the JavaScript
each page loads, gzipped, following ES module imports (target <= 60 KB), and any URL on another origin
(target: none).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import http.client
import json
import re
import statistics
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

from benchmarks import _scratch
from benchmarks.trends import live_server, percentile

ROOT = Path(__file__).resolve().parent.parent
IMPORT = re.compile(r"""(?:import\s[^"']*?from\s*|import\s*\(\s*)["'](\.{1,2}/[^"']+)["']""")


def seed(world) -> dict:
    from django.utils import timezone

    from apps.alerts.services import alert_create_from_signal, risk_signal_record
    from apps.checkins.models import MoodCheckin
    from apps.checkins.services.questionnaires import questionnaire_response_submit
    from apps.notes.processing import session_input_process
    from apps.notes.services.sessions import clinical_session_create, session_input_add_typed
    from apps.notes.services.versions import note_amend, note_sign
    from apps.plans.services import safety_plan_save
    from apps.plans.treatment import treatment_plan_save, treatment_plan_sign

    patient, user, clinician = world.patient, world.patient_user, world.clinician
    today = timezone.localdate()
    MoodCheckin.objects.bulk_create(
        [
            MoodCheckin(
                id=uuid.uuid4(),
                patient=patient,
                occurred_at=timezone.now() - dt.timedelta(days=i),
                timezone="Europe/London",
                local_date=today - dt.timedelta(days=i),
                mood=(i * 7) % 11,
                anxiety=(i * 3) % 11,
                energy=(i * 5) % 11,
                sleep_hours=6 + (i % 4),
                sleep_quality=i % 11,
                tags=["exercise"] if i % 3 == 0 else [],
            )
            for i in range(730)
        ]
    )
    for n in range(26):
        when = timezone.now() - dt.timedelta(days=28 * n + 1)
        for key, items in (("phq9", 9), ("gad7", 7)):
            questionnaire_response_submit(
                actor=user,
                patient=patient,
                id=uuid.uuid4(),
                instrument_key=key,
                answers={f"{key}_{i + 1}": (n + i) % 3 for i in range(items)},
                occurred_at=when,
                timezone="Europe/London",
            )
    signal = risk_signal_record(
        patient_id=patient.pk,
        source_type="questionnaire_response",
        source_id=uuid.uuid4(),
        kind="phq9_item9",
        level="high",
        evidence={"instrument": "phq9", "items": [{"item": "phq9_9", "answer": 2}]},
        occurred_at=timezone.now(),
    )
    alert = alert_create_from_signal(signal=signal)
    safety_plan_save(actor=clinician, patient=patient, content={"warning_signs": ["Not sleeping"]})
    plan = treatment_plan_save(
        actor=clinician,
        patient=patient,
        content={"problems": ["Low mood"], "goals": [{"text": "PHQ-9 below 5"}], "objectives": [{"text": "Walks"}]},
    )
    treatment_plan_sign(actor=clinician, plan=plan)
    session = clinical_session_create(actor=clinician, patient=patient, started_at=timezone.now(), modality="video")
    lines = []
    for i in range(40):
        lines.append(f"Clinician: How did the week go with the walks, part {i}?")
        lines.append(f"Patient: I walked most mornings and slept better, though work stress came back on day {i}.")
    item = session_input_add_typed(actor=clinician, session=session, text="\n".join(lines))
    session_input_process(input_id=item.pk)
    note = session.notes.order_by("-version").first()
    note_sign(actor=clinician, note=note)
    sections = {s["key"]: " ".join(x["text"] for x in s["sentences"]) for s in note.sections}
    first = next(iter(sections))
    note_amend(actor=clinician, note=note, reason="Clarified", sections={**sections, first: "Amended."})
    return {"alert": alert.pk, "session": session.pk}


def js_weight(html: str, fetch_static) -> tuple[int, list[str]]:
    """Gzipped bytes of every script the page loads, following relative ES module imports."""
    pending = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    seen: set[str] = set()
    total = 0
    while pending:
        url = pending.pop()
        if url in seen:
            continue
        seen.add(url)
        body = fetch_static(url)
        total += len(gzip.compress(body, compresslevel=9))
        base = url.rsplit("/", 1)[0]
        for rel in IMPORT.findall(body.decode("utf-8", "replace")):
            parts = (base + "/" + rel).split("/")
            resolved: list[str] = []
            for part in parts:
                if part == "..":
                    resolved.pop()
                elif part != ".":
                    resolved.append(part)
            pending.append("/".join(resolved))
    return total, sorted(seen)


def foreign_urls(html: str) -> list[str]:
    return [u for u in re.findall(r'(?:src|href|action)="([^"]+)"', html) if re.match(r"^(https?:)?//", u)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    world = _scratch.setup(args.database_url)
    ids = seed(world)
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(world.clinician)
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    p = f"/patients/{world.patient.pk}/"
    pages = {
        "health/live (baseline)": "/health/live",
        "roster": "/patients/",
        "alert inbox": "/alerts/",
        "alert": f"/alerts/{ids['alert']}/",
        "patient brief": p,
        "timeline (365 d)": p + "timeline/?" + urlencode({"days": 365}),
        "journals": p + "journals/",
        "questionnaires": p + "questionnaires/",
        "care team": p + "care/",
        "sessions": p + "sessions/",
        "session": p + f"sessions/{ids['session']}/",
        "safety plan": p + "safety-plan/",
        "treatment plan": p + "treatment-plan/",
    }
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"Web pages, {args.requests} requests each, database: {engine}; one patient with 730 daily check-ins, "
        "26 PHQ-9 and 26 GAD-7, plans, an alert and a session"
    )
    with live_server(world.directory) as port:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

        def get(path: str) -> tuple[int, bytes]:
            conn.request("GET", path, headers={"Cookie": cookie})
            response = conn.getresponse()
            return response.status, response.read()

        results, weights = {}, {}
        for name, path in pages.items():
            for _ in range(5):
                status, body = get(path)
                assert status == 200, (name, status, body[:200])
            samples = []
            for _ in range(args.requests):
                started = time.perf_counter()
                get(path)
                samples.append((time.perf_counter() - started) * 1000)
            results[name] = (statistics.median(samples), percentile(samples, 0.95))
            if not name.startswith("health"):
                html = body.decode()
                weights[name] = (*js_weight(html, lambda url: get(url)[1]), foreign_urls(html))

    baseline = results["health/live (baseline)"][1]
    print(f"\n{'page':<24}{'p50 ms':>9}{'p95 ms':>9}{'p95/health':>12}{'JS gz KB':>10}  other origins")
    worst_ratio, worst_js, foreign = 0.0, 0, []
    for name, (p50, p95) in results.items():
        ratio = p95 / baseline
        js = weights.get(name)
        if js:
            worst_ratio = max(worst_ratio, ratio)
            worst_js = max(worst_js, js[0])
            foreign += js[2]
        js_text = f"{js[0] / 1024:>10.1f}" if js else f"{'':>10}"
        print(f"{name:<24}{p50:>9.2f}{p95:>9.2f}{ratio:>11.1f}x{js_text}  {', '.join(js[2]) if js else ''}")
    print(
        json.dumps(
            {
                "worst_page_p95_over_health": round(worst_ratio, 2),
                "target_ratio": 5,
                "max_js_gzip_kb": round(worst_js / 1024, 1),
                "target_js_kb": 60,
                "foreign_urls": foreign,
            }
        )
    )


if __name__ == "__main__":
    main()
