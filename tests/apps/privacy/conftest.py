import pytest


@pytest.fixture(autouse=True)
def _media(audio_media):
    """Every privacy test keeps its files (recordings, export zips) in a MEDIA_ROOT of its own."""
    return audio_media
