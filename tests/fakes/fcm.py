"""A fake FCM endpoint at the network edge: a requests adapter mounted on firebase-admin's own
HTTP session (the SDK's tests do the same). Everything above the socket is the real SDK."""

from __future__ import annotations

import json
from collections import deque

import firebase_admin
import requests
from firebase_admin import credentials, messaging
from google.auth.credentials import AnonymousCredentials

from apps.accounts import push

UNREGISTERED = (
    404,
    {
        "error": {
            "code": 404,
            "message": "Requested entity was not found.",
            "status": "NOT_FOUND",
            "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": "UNREGISTERED"}],
        }
    },
)
SERVER_ERROR = (500, {"error": {"code": 500, "message": "Internal error", "status": "INTERNAL"}})


class _Credential(credentials.Base):
    def get_credential(self):
        return AnonymousCredentials()


class FakeFcmAdapter(requests.adapters.HTTPAdapter):
    def __init__(self):
        super().__init__()
        self.requests: list[dict] = []
        self.scripted: deque[tuple[int, dict]] = deque()

    def send(self, request, **kwargs):
        payload = json.loads(request.body)
        self.requests.append(payload)
        status, body = (
            self.scripted.popleft()
            if self.scripted
            else (200, {"name": f"projects/test/messages/{len(self.requests)}"})
        )
        response = requests.Response()
        response.status_code = status
        response._content = json.dumps(body).encode()
        response.headers["content-type"] = "application/json"
        response.url = request.url
        response.request = request
        return response

    @property
    def messages(self) -> list[dict]:
        return [r["message"] for r in self.requests]


def install() -> tuple[firebase_admin.App, FakeFcmAdapter]:
    app = firebase_admin.initialize_app(_Credential(), {"projectId": "interlude-test"}, name=push.APP_NAME)
    adapter = FakeFcmAdapter()
    messaging._get_messaging_service(app)._client.session.mount("https://fcm.googleapis.com", adapter)
    return app, adapter


def uninstall() -> None:
    try:
        firebase_admin.delete_app(firebase_admin.get_app(push.APP_NAME))
    except ValueError:
        pass
