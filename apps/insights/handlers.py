"""Insights answers the journal job's hooks (``apps.core.hooks``); imported by ``InsightsConfig.ready``."""

from apps.insights.services import analysis_delete_for, speech_analyse, text_analyse
from apps.journals.models import JournalEntry
from apps.journals.services import SOURCE, journal_entry_analyse, journal_entry_derived_delete


@journal_entry_analyse.register
def journal_entry_analyse_all(*, entry: JournalEntry, audio: bytes | None) -> None:
    """Speech features from the recording while it still exists, then the text analysis (triggers,
    emotions, risk language → risk signals)."""
    if audio is not None:
        speech_analyse(entry=entry, audio_bytes=audio)
    text_analyse(source_type=SOURCE, source_id=entry.pk)


@journal_entry_derived_delete.register
def journal_entry_analysis_delete(*, entry: JournalEntry) -> None:
    analysis_delete_for(source_type=SOURCE, source_id=entry.pk)
