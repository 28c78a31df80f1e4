from apps.core import health


def test_unknown_api_paths_answer_json_404(personas, as_user):
    response = as_user(personas.clinician).get("/api/v1/does-not-exist/")
    assert response.status_code == 404
    assert response.json() == {"error": {"code": "not_found", "message": "Not found.", "fields": {}}}


def test_wrong_methods_use_the_error_shape(personas, as_user):
    response = as_user(personas.clinician).put(f"/api/v1/patients/{personas.patient_profile.id}/", {}, format="json")
    assert response.status_code == 405 and response.json()["error"]["code"] == "method_not_allowed"


def test_malformed_json_is_a_400_in_the_error_shape(personas, as_user):
    response = as_user(personas.clinician).generic(
        "POST", "/api/v1/patients/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["error"]["code"] == "parse_error"


def test_nested_validation_errors_name_the_field_path(personas, as_user):
    response = as_user(personas.admin).post("/api/v1/staff/", {"roles": ["clinician", "wizard"]}, format="json")
    fields = response.json()["error"]["fields"]
    assert "roles.1" in fields and "username" in fields and "password" in fields


def test_liveness(client, db):
    assert client.get("/health/live").json()["status"] == "ok"


def test_readiness_checks_database_broker_and_channel_layer(client, db):
    response = client.get("/health/ready")
    assert response.status_code == 200, response.json()
    assert set(response.json()["checks"]) == {"database", "broker", "channel_layer"}


def test_readiness_is_degraded_and_names_the_part_when_the_broker_is_unreachable(client, db, monkeypatch):
    def broken():
        raise ConnectionRefusedError("no broker")

    monkeypatch.setitem(health.CHECKS, "broker", broken)
    response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["degraded"] == ["broker"]
    assert body["checks"]["broker"] == "error: ConnectionRefusedError"
    assert body["checks"]["database"].startswith("ok")


def test_readiness_fails_when_the_database_is_unreachable(client, db, monkeypatch):
    def broken():
        raise ConnectionRefusedError("no database")

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"
    assert response.json()["checks"]["database"] == "error: ConnectionRefusedError"


def test_the_channel_layer_check_passes_while_the_server_loop_is_receiving(settings):
    """On Redis, a web process with a websocket open has its own event loop receiving on the layer;
    the readiness check runs in another loop and must not collide with it ("two event loops")."""
    import asyncio
    import os
    import threading

    from channels.layers import channel_layers, get_channel_layer

    from tests.conftest import require_service, tcp_reachable

    redis_url = os.environ.get("REDIS_URL")
    require_service(tcp_reachable(redis_url, 6379), "REDIS_URL not set or Redis unreachable")
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_url]}}
    }
    channel_layers.backends.clear()
    receiving, stop = threading.Event(), threading.Event()

    def server_loop() -> None:
        async def consume() -> None:
            layer = get_channel_layer()
            channel = await layer.new_channel()
            receiver = asyncio.ensure_future(layer.receive(channel))
            while layer.receive_count == 0:  # the receive has started and holds the layer's loop
                await asyncio.sleep(0)
            receiving.set()
            while not stop.is_set():
                await asyncio.sleep(0.05)
            receiver.cancel()

        asyncio.run(consume())

    thread = threading.Thread(target=server_loop)
    thread.start()
    try:
        assert receiving.wait(30)
        health.check_channel_layer()  # raised RuntimeError before
    finally:
        stop.set()
        thread.join(30)
        channel_layers.backends.clear()


def test_a_database_that_is_unavailable_answers_503_with_retry_after_and_a_resend_is_stored_once(
    personas, as_user, monkeypatch
):
    """PostgreSQL restarting, or every pooled connection busy past the pool's timeout: the client is told
    to send the same request again (503, Retry-After), not that its request was wrong (500)."""
    from django.db import OperationalError

    from apps.checkins import api_patient as checkin_views
    from apps.checkins.models import MoodCheckin
    from tests.apps.checkins.test_checkins_api import body as checkin_body

    client = as_user(personas.patient)
    body = checkin_body()
    real = checkin_views.mood_checkin_submit

    def unavailable(**kwargs):
        raise OperationalError("couldn't get a connection after 10.00 sec")

    monkeypatch.setattr(checkin_views, "mood_checkin_submit", unavailable)
    response = client.post("/api/v1/me/checkins/", body, format="json")
    assert response.status_code == 503 and response["Retry-After"] == "2"
    assert response.json()["error"]["code"] == "unavailable"
    monkeypatch.setattr(checkin_views, "mood_checkin_submit", real)
    assert client.post("/api/v1/me/checkins/", body, format="json").status_code == 201
    assert client.post("/api/v1/me/checkins/", body, format="json").status_code == 200
    assert MoodCheckin.objects.filter(pk=body["id"]).count() == 1
