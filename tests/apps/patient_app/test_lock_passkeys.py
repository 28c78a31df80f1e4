"""Opening the app lock with the phone's fingerprint or face (WebAuthn). A small software authenticator
(an EC P-256 key, "none" attestation) stands in for the phone at the edge; the server side is the real
webauthn library. The browser test drives Chromium's virtual authenticator."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import struct

import cbor2
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

from apps.audit.models import AuditEvent
from apps.patient_app.models import LockPasskey
from tests.apps.patient_app.test_lock import idle, with_lock
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
ORIGIN, RP_ID = "http://testserver", "testserver"


class SoftAuthenticator:
    """Makes the answers a platform authenticator would: user present and verified."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(16)
        self.count = 0

    def _client_data(self, kind: str, challenge: str, origin: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin, "crossOrigin": False}).encode()

    def _auth_data(self, rp_id: str, flags: int, extra: bytes = b"") -> bytes:
        self.count += 1
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", self.count) + extra

    def create(self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID) -> dict:
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cose
        auth_data = self._auth_data(rp_id, 0x45, attested)  # UP | UV | AT
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        cid = bytes_to_base64url(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "attestationObject": bytes_to_base64url(attestation),
                "transports": ["internal"],
            },
        }

    def get(self, options: dict, *, origin: str = ORIGIN, rp_id: str = RP_ID) -> dict:
        auth_data = self._auth_data(rp_id, 0x05)  # UP | UV
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        cid = bytes_to_base64url(self.credential_id)
        return {
            "id": cid,
            "rawId": cid,
            "type": "public-key",
            "response": {
                "clientDataJSON": bytes_to_base64url(client_data),
                "authenticatorData": bytes_to_base64url(auth_data),
                "signature": bytes_to_base64url(signature),
                "userHandle": None,
            },
        }


def post(client, path, body=None):
    return client.post(path, json.dumps(body or {}), content_type="application/json")


def register(client, phone: SoftAuthenticator):
    options = post(client, "/app/lock/passkey/register/options/").json()
    assert options["authenticatorSelection"]["userVerification"] == "required"
    return post(client, "/app/lock/passkey/register/", phone.create(options))


def test_a_passkey_needs_the_pin_lock_first(personas):
    from tests.apps.patient_app.test_pages import signed_in

    response = post(signed_in(personas.patient), "/app/lock/passkey/register/options/")
    assert response.status_code == 403 and response.json()["error"]["message"] == "Turn on the PIN lock first."


def test_a_registered_passkey_opens_the_lock_and_returns_to_the_page(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    phone = SoftAuthenticator()
    assert register(client, phone).status_code == 201
    stored = LockPasskey.objects.get(user=personas.patient)
    assert base64url_to_bytes(stored.credential_id) == phone.credential_id
    idle(time_machine, 30)
    assert client.get("/app/journal/").status_code == 302
    options = post(client, "/app/lock/passkey/unlock/options/").json()
    assert [c["id"] for c in options["allowCredentials"]] == [stored.credential_id]
    response = post(client, "/app/lock/passkey/unlock/?next=/app/journal/", phone.get(options))
    assert response.status_code == 200 and response.json() == {"ok": True, "next": "/app/journal/"}
    assert client.get("/app/journal/").status_code == 200
    assert AuditEvent.objects.filter(action="login", detail__method="passkey").count() == 1


def test_an_assertion_for_another_origin_or_a_replayed_challenge_is_refused(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    phone = SoftAuthenticator()
    register(client, phone)
    idle(time_machine, 30)
    options = post(client, "/app/lock/passkey/unlock/options/").json()
    response = post(client, "/app/lock/passkey/unlock/", phone.get(options, origin="https://evil.example"))
    assert response.status_code == 400
    # The challenge was used up by that attempt: the same answer again is refused too.
    assert post(client, "/app/lock/passkey/unlock/", phone.get(options)).status_code == 400
    assert client.get("/app/journal/").status_code == 302


def test_another_accounts_passkey_does_not_open_this_lock(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    own, theirs = SoftAuthenticator(), SoftAuthenticator()
    register(client, own)
    register(client, theirs)
    # The second credential belongs to someone else's account.
    LockPasskey.objects.filter(credential_id=bytes_to_base64url(theirs.credential_id)).update(user=personas.clinician)
    idle(time_machine, 30)
    options = post(client, "/app/lock/passkey/unlock/options/").json()
    assert post(client, "/app/lock/passkey/unlock/", theirs.get(options)).status_code == 400
    assert client.get("/app/journal/").status_code == 302


def test_registering_needs_an_unlocked_app_and_turning_the_lock_off_removes_passkeys(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    register(client, SoftAuthenticator())
    idle(time_machine, 30)
    assert post(client, "/app/lock/passkey/register/options/").status_code == 403
    client.post("/app/lock/", {"pin": "2580"})
    time_machine.move_to(dt.datetime(2026, 6, 10, 9, 31, tzinfo=dt.UTC), tick=False)
    assert client.post("/app/me/lock/", {"action": "remove", "password": PASSWORD}).status_code == 302
    assert not LockPasskey.objects.exists()


def test_lock_now_locks_at_once(personas, time_machine):
    client = with_lock(personas.patient, time_machine)
    response = client.post("/app/lock/now/")
    assert response.status_code == 302 and response["Location"].startswith("/app/lock/")
    assert client.get("/app/").status_code == 302
