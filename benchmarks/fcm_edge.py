"""A Celery worker whose FCM endpoint is a fake at the network edge, for ``benchmarks.load --fault fcm``.

    python -m benchmarks.fcm_edge <celery worker arguments>

Everything above the socket is the real firebase-admin SDK and the real push path (``alerts.push``,
retries, the delivery rows); only the HTTPS exchange with ``fcm.googleapis.com`` is answered here, by
the adapter the tests use (``tests/fakes/fcm.py``). While the file ``fcm-down`` exists in
``INTERLUDE_VAR_DIR`` every request answers 500 INTERNAL (a transient error: the job retries with
backoff); otherwise 200. Each request is appended to ``fcm.jsonl`` there (token, alert id, status) so
the benchmark can count what FCM accepted per alert and device.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

from tests.fakes.fcm import SERVER_ERROR, FakeFcmAdapter, install  # noqa: E402

VAR = Path(os.environ["INTERLUDE_VAR_DIR"])
DOWN, LOG = VAR / "fcm-down", VAR / "fcm.jsonl"


class EdgeAdapter(FakeFcmAdapter):
    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()

    def send(self, request, **kwargs):
        with self._lock:
            if DOWN.exists():
                self.scripted.append(SERVER_ERROR)
            response = super().send(request, **kwargs)
            self.requests.clear()  # the log below is the record; a long run must not grow this list
            message = json.loads(request.body)["message"]
            line = {"token": message.get("token"), "alert_id": message["data"].get("alert_id")}
            with LOG.open("a") as log:
                log.write(json.dumps({**line, "status": response.status_code}) + "\n")
        return response


def main() -> None:
    from firebase_admin import messaging

    app, _ = install()
    messaging._get_messaging_service(app)._client.session.mount("https://fcm.googleapis.com", EdgeAdapter())
    from celery.__main__ import main as celery

    sys.argv = ["celery", *sys.argv[1:]]
    celery()


if __name__ == "__main__":
    main()
