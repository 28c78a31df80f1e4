"""The session page's note sentences and transcript, built in Python (``web_ui``): flags, evidence
chips, speakers, and escaping of what people wrote or said."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from apps.web.templatetags.web_ui import note_sentences, utterance_items


def test_sentences_show_who_wrote_them_their_flags_and_their_evidence():
    html = note_sentences(
        [
            {
                "text": "Slept <badly>.",
                "source": "engine",
                "evidence": [{"kind": "utterance", "ref": "3", "start": 1.25, "end": 4.0}],
            },
            {"text": "Mine.", "source": "clinician", "evidence": []},
            {"text": "Guess.", "source": "llm_unsupported", "evidence": []},
            {"text": "From the record.", "source": "llm", "evidence": [{"kind": "record", "ref": "mood_checkin:1"}]},
        ]
    )
    assert "Slept &lt;badly&gt;." in html and "<badly>" not in html
    assert '<a class="chip" href="#utt-3" title="Utterance 3 1.3–4.0 s">#3' in html
    assert (
        '<span class="sentence mark-clinician">Mine.<span class="visually-hidden"> (written by the clinician)' in html
    )
    assert (
        'Guess. <span class="flag">not supported by the evidence</span> <span class="flag">no evidence</span>' in html
    )
    assert (
        '<span class="flag flag-info">LLM</span> <span class="chip chip-record" title="mood_checkin:1">record' in html
    )
    assert html.count('class="sentence') == 4 and html.count("</span> ") >= 4
    assert 'Mine.<span class="visually-hidden"> (written by the clinician)</span></span>' in html  # no "no evidence"


def test_a_recordings_utterances_have_a_speaker_choice_and_typed_ones_a_label():
    pk = uuid.uuid4()
    utterances = [{"index": 0, "ref": "0", "speaker": "patient", "text": "I <did> walk", "start": 0.0, "end": 2.5}]
    recording = utterance_items(SimpleNamespace(input=SimpleNamespace(kind="recording", pk=pk), utterances=utterances))
    assert f'<select id="spk-{pk}-0" name="speaker-0">' in recording
    assert '<option value="patient" selected>Patient</option>' in recording
    assert '<option value="clinician">Clinician</option>' in recording
    assert '<li id="utt-0" tabindex="-1"><span class="small muted">#0 0.0–2.5 s</span>' in recording
    assert "I &lt;did&gt; walk" in recording
    typed = utterance_items(
        SimpleNamespace(
            input=SimpleNamespace(kind="typed", pk=pk),
            utterances=[{"index": 0, "ref": None, "speaker": "summary", "text": "x"}],
        )
    )
    assert "<select" not in typed and "<strong>Summary</strong>" in typed and "id=" not in typed  # not yet citable
