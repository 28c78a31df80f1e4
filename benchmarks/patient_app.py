"""The patient app's budgets, measured in Chromium against the real stack (not timed tests).

    .venv/bin/python -m benchmarks.patient_app [--rounds 5]

1. First-load shell: what a newcomer's phone downloads on opening /app/join/ (the page, CSS, JS, the JS
   catalog, manifest, icons) plus what the service worker precaches, as gzip bytes (each body
   compressed at level 6; the embedded server itself sends static files uncompressed). Budget 150 KB.
2. Reconnect: a check-in made offline is on the server (seen through the API) how long after the
   network returns. Budget 2 s. Baseline in the same run: one direct API POST of a check-in.
3. Recording start: tap on "Start recording" to MediaRecorder's start event (fake microphone). Budget
   300 ms. Baseline in the same run: getUserMedia alone, measured in the same page.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import statistics
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")
django.setup()  # the browser-test helpers import the test settings' modules

from tests.browser.patient.conftest import (  # noqa: E402
    FAKE_MEDIA_ARGS,
    PHONE,
    WAV,
    chromium_path,
    demo_stack_start,
    demo_stack_stop,
    http_json,
    join,
    tap_scale,
    wait_for_worker,
)


@contextlib.contextmanager
def stack():
    live = demo_stack_start(Path(tempfile.mkdtemp(prefix="bench-patient-app-")))
    try:
        yield live
    finally:
        demo_stack_stop(live)


def shell_transfer(browser, live) -> None:
    context = browser.new_context(base_url=live.base_url, service_workers="allow", **PHONE)
    page = context.new_page()
    seen: dict[str, tuple[int, int]] = {}

    def record(response):
        with contextlib.suppress(Exception):
            body = response.body()
            seen[response.url] = (len(body), len(gzip.compress(body, 6)))

    page.on("response", record)
    page.goto("/app/join/")
    page.wait_for_selector("body[data-sw='ready']", state="attached", timeout=60_000)
    page.wait_for_timeout(500)
    loaded = dict(seen)
    sw = page.request.get("/app/sw.js").text()
    shell = json.loads(sw.split("const SHELL = ", 1)[1].split(";", 1)[0])
    for url in [*shell, "/app/offline/", "/app/sw.js"]:
        full = live.url(url)
        if full not in seen:
            body = page.request.get(url).body()
            seen[full] = (len(body), len(gzip.compress(body, 6)))
    raw, packed = sum(v[0] for v in seen.values()), sum(v[1] for v in seen.values())
    page_raw, page_packed = sum(v[0] for v in loaded.values()), sum(v[1] for v in loaded.values())
    print(
        f"1. first load of /app/join/: {len(loaded)} responses, {page_raw / 1024:.1f} KB raw, "
        f"{page_packed / 1024:.1f} KB gzip"
    )
    print(
        f"   with everything the service worker precaches: {len(seen)} files, {raw / 1024:.1f} KB raw, "
        f"{packed / 1024:.1f} KB gzip = {packed / (150 * 1024):.2f} x the 150 KB budget"
    )
    context.close()


def reconnect(browser, live, rounds: int) -> None:
    context = browser.new_context(base_url=live.base_url, service_workers="allow", **PHONE)
    page = context.new_page()
    newcomer = join(page, live)
    token = live.token(newcomer.username)
    page.goto("/app/")
    wait_for_worker(page)
    direct = []
    for _ in range(rounds):
        body = {
            "id": str(uuid.uuid4()),
            "occurred_at": "2026-01-05T10:00:00Z",
            "timezone": "UTC",
            "mood": 5,
            "anxiety": 5,
            "energy": 5,
        }
        start = time.perf_counter()
        status, _ = http_json("POST", live.url("/api/v1/me/checkins/"), body, token)
        direct.append(time.perf_counter() - start)
        assert status == 201
    delays = []
    for n in range(rounds):
        context.set_offline(True)
        tap_scale(page, "mood", n % 11)
        tap_scale(page, "anxiety", 3)
        tap_scale(page, "energy", 4)
        item = page.locator("[data-outbox-item][data-state='pending']").first
        item.wait_for()
        checkin_id = item.get_attribute("data-outbox-item")
        start = time.perf_counter()
        context.set_offline(False)
        while True:
            status, listed = http_json("GET", live.url("/api/v1/me/checkins/?page_size=200"), None, token)
            if any(row["id"] == checkin_id for row in listed["results"]):
                break
            time.sleep(0.02)
        delays.append(time.perf_counter() - start)
    base = statistics.median(direct)
    print(
        f"2. offline check-in on the server after reconnecting: median {statistics.median(delays) * 1000:.0f} ms, "
        f"max {max(delays) * 1000:.0f} ms over {rounds} (budget 2000 ms); direct API POST median "
        f"{base * 1000:.0f} ms; ratio {statistics.median(delays) / base:.1f}x"
    )
    context.close()


def recording_start(browser, live, rounds: int) -> None:
    mic = browser.browser_type.launch(
        executable_path=chromium_path(),
        headless=True,
        args=[*FAKE_MEDIA_ARGS, f"--use-file-for-fake-audio-capture={WAV}", "--no-sandbox"],
    )
    context = mic.new_context(base_url=live.base_url, permissions=["microphone"], **PHONE)
    page = context.new_page()
    join(page, live)
    page.goto("/app/journal/")
    starts, gum = [], []
    for _ in range(rounds):
        page.get_by_role("button", name="Start recording").tap()
        recorder = page.locator("[data-recorder][data-state='recording']")
        recorder.wait_for()
        starts.append(int(recorder.get_attribute("data-start-latency-ms")))
        page.get_by_role("button", name="Stop").tap()
        page.get_by_role("button", name="Throw away").tap()
        gum.append(
            page.evaluate(
                "async () => { const t = performance.now(); const s = await navigator.mediaDevices.getUserMedia("
                "{audio: true}); const d = performance.now() - t; s.getTracks().forEach(x => x.stop()); return d; }"
            )
        )
    print(
        f"3. tap to recording: median {statistics.median(starts):.0f} ms, max {max(starts)} ms over {rounds} "
        f"(budget 300 ms); getUserMedia alone median {statistics.median(gum):.0f} ms"
    )
    context.close()
    mic.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with stack() as live, sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=chromium_path(),
            headless=True,
            args=[*FAKE_MEDIA_ARGS, "--no-sandbox", "--disable-dev-shm-usage"],
        )
        shell_transfer(browser, live)
        reconnect(browser, live, args.rounds)
        recording_start(browser, live, args.rounds)
        browser.close()
    urllib.request.urlcleanup()


if __name__ == "__main__":
    main()
