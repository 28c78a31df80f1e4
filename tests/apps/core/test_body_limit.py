"""Request bodies are capped per endpoint class before authentication and before parsing."""

import json

import pytest

from apps.core.body_limit import MB, body_limit_for
from tests.asgi import http_scope, serve

TOKEN = "/api/v1/auth/token/"
JOURNALS = "/api/v1/me/journals/"


def test_json_endpoints_take_the_general_cap_and_recordings_the_audio_cap(settings):
    settings.REQUEST_MAX_BODY_KB = 1024
    settings.JOURNAL_MAX_UPLOAD_MB = 25
    assert body_limit_for(TOKEN) == MB
    assert body_limit_for("/no/such/page/") == MB
    assert body_limit_for(JOURNALS) == 26 * MB
    session_inputs = (
        "/api/v1/patients/00000000-0000-4000-8000-000000000000/sessions/00000000-0000-4000-8000-000000000001/inputs/"
    )
    assert body_limit_for(session_inputs) == 201 * MB


def test_an_anonymous_oversized_json_body_is_a_413_before_sign_in(client, db):
    body = json.dumps({"username": "x" * (MB + 10), "password": "y"})
    response = client.post(TOKEN, body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "request_too_large"
    small = client.post(TOKEN, json.dumps({"username": "x", "password": "y"}), content_type="application/json")
    assert small.status_code in (400, 401)


def test_a_recording_upload_over_the_json_cap_reaches_the_view(personas, as_user, settings):
    settings.JOURNAL_MAX_UPLOAD_MB = 1
    client = as_user(personas.patient)
    under = client.post(JOURNALS, {"audio": ("a.wav", b"\0" * (MB + MB // 2))}, format="multipart")
    assert under.status_code != 413 or under.json()["error"]["code"] != "request_too_large"
    over = client.post(JOURNALS, {"audio": ("a.wav", b"\0" * (3 * MB))}, format="multipart")
    assert over.status_code == 413 and over.json()["error"]["code"] == "request_too_large"


async def _call(path: str, headers: list, chunks: list[bytes]) -> tuple[int, dict, int]:
    """Drive the real ASGI application; return (status, JSON body, chunks the app asked for)."""
    scope = http_scope(path, method="POST", headers=[(b"content-type", b"application/json"), *headers])
    pulled = 0

    async def receive():
        nonlocal pulled
        if pulled < len(chunks):
            pulled += 1
            return {"type": "http.request", "body": chunks[pulled - 1], "more_body": pulled < len(chunks)}
        return {"type": "http.disconnect"}

    status, _headers, body = await serve(scope, receive)
    return status, json.loads(body), pulled


@pytest.mark.django_db
async def test_a_declared_gigabyte_is_refused_without_reading_it():
    status, body, pulled = await _call(TOKEN, [(b"content-length", str(1024 * MB).encode())], [b"{" * 65536] * 4)
    assert status == 413 and body["error"]["code"] == "request_too_large" and pulled == 0


@pytest.mark.django_db
async def test_a_chunked_body_is_cut_off_at_the_cap():
    chunk = b" " * 65536
    status, body, pulled = await _call(TOKEN, [], [chunk] * 160)  # 10 MB offered, no Content-Length
    assert status == 413 and body["error"]["code"] == "request_too_large"
    assert pulled == MB // len(chunk) + 1  # stopped at the first chunk over 1 MB, the rest never read
