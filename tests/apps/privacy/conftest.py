import pytest
from django.core.files.storage import storages


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    storages._storages.pop("journal_audio", None)  # rebuild with the new MEDIA_ROOT
    yield
    storages._storages.pop("journal_audio", None)
