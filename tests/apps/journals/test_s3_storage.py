"""Journal audio on S3-compatible object storage: a real S3 server (moto in server mode, a separate
process on loopback) behind the same encryption wrapping as local files."""

import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import boto3
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.storage import storages
from django.utils import timezone

from apps.core.audio.storage import EncryptedAudioStorage
from apps.journals.models import JournalEntry
from backend.storage import audio_storage_settings
from tests.apps.journals.factories import AUDIO, upload

URL = "/api/v1/me/journals/"
BUCKET = "interlude-audio"
KEYS = {"S3_ACCESS_KEY_ID": "test-key", "S3_SECRET_ACCESS_KEY": "test-secret", "S3_REGION": "eu-west-1"}


@pytest.fixture(scope="module")
def s3_endpoint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(  # noqa: S603 - this interpreter, moto's server module
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{endpoint}/moto-api/", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.1)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=20)


@pytest.fixture
def bucket(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=KEYS["S3_ACCESS_KEY_ID"],
        aws_secret_access_key=KEYS["S3_SECRET_ACCESS_KEY"],
        region_name=KEYS["S3_REGION"],
    )
    name = f"{BUCKET}-{uuid.uuid4().hex[:8]}"
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": KEYS["S3_REGION"]})
    return client, name


@pytest.fixture
def on_s3(settings, s3_endpoint, bucket):
    _, name = bucket
    env = {"AUDIO_STORAGE": "s3", "S3_BUCKET": name, "S3_ENDPOINT_URL": s3_endpoint, **KEYS}
    settings.STORAGES = {**settings.STORAGES, "journal_audio": audio_storage_settings(env.get)}
    storages._storages.pop("journal_audio", None)
    yield bucket
    storages._storages.pop("journal_audio", None)


def objects(client, name) -> dict[str, bytes]:
    listing = client.list_objects_v2(Bucket=name).get("Contents", [])
    return {o["Key"]: client.get_object(Bucket=name, Key=o["Key"])["Body"].read() for o in listing}


def test_the_s3_option_is_the_encrypted_storage_around_django_storages():
    env = {"AUDIO_STORAGE": "s3", "S3_BUCKET": "b", "S3_ENDPOINT_URL": "https://s3.example.org", **KEYS}
    config = audio_storage_settings(env.get)
    assert config["BACKEND"] == "apps.core.audio.storage.EncryptedAudioStorage"
    inner = config["OPTIONS"]["inner"]
    assert inner["BACKEND"] == "storages.backends.s3.S3Storage"
    assert inner["OPTIONS"]["bucket_name"] == "b" and inner["OPTIONS"]["location"] == "journal-audio"
    assert inner["OPTIONS"]["file_overwrite"] is False and inner["OPTIONS"]["default_acl"] is None


def test_the_s3_option_refuses_to_start_without_a_bucket():
    with pytest.raises(ImproperlyConfigured, match="S3_BUCKET"):
        audio_storage_settings({"AUDIO_STORAGE": "s3"}.get)
    with pytest.raises(ImproperlyConfigured, match="AUDIO_STORAGE"):
        audio_storage_settings({"AUDIO_STORAGE": "ftp"}.get)


@pytest.mark.slow
def test_audio_on_s3_is_encrypted_and_reads_back(personas, as_user, on_s3):
    client, name = on_s3
    personas.practice.keep_journal_audio = True
    personas.practice.save()
    body = {
        "id": str(uuid.uuid4()),
        "occurred_at": timezone.now().isoformat(),
        "timezone": "UTC",
        "audio": upload("work.wav"),
    }
    response = as_user(personas.patient).post(URL, body, format="multipart")
    assert response.status_code == 202, response.json()
    stored = objects(client, name)
    [(key, raw)] = stored.items()
    original = (AUDIO / "work.wav").read_bytes()
    assert key.startswith("journal-audio/")
    assert raw[:4] == b"ILAE" and original[:4] not in raw and original[1000:1032] not in raw
    entry = JournalEntry.objects.get()
    assert isinstance(storages["journal_audio"], EncryptedAudioStorage)
    assert b"".join(storages["journal_audio"].stream(entry.audio_name)) == original
    with storages["journal_audio"].open(entry.audio_name) as handle:
        assert handle.read() == original


@pytest.mark.slow
def test_a_journal_on_s3_is_transcribed_and_its_recording_deleted(
    personas, as_user, on_s3, django_capture_on_commit_callbacks
):
    client, name = on_s3
    body = {
        "id": str(uuid.uuid4()),
        "occurred_at": timezone.now().isoformat(),
        "timezone": "UTC",
        "audio": upload("work.wav"),
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = as_user(personas.patient).post(URL, body, format="multipart")
    assert response.status_code == 202, response.json()
    entry = JournalEntry.objects.get()
    assert entry.status == "done" and "work" in entry.text.lower()
    assert entry.audio_name == "" and objects(client, name) == {}
