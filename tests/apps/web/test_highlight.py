from apps.web.highlight import Run, highlight


def test_it_splits_text_into_plain_and_highlighted_runs():
    text = "Work was hard but the walk helped."
    runs = highlight(text, [(0, 4, "trigger", "work"), (22, 26, "protective", "exercise")])
    assert runs == [
        Run("Work", "trigger", "work"),
        Run(" was hard but the "),
        Run("walk", "protective", "exercise"),
        Run(" helped."),
    ]
    assert "".join(r.text for r in runs) == text


def test_overlapping_and_out_of_range_spans_are_dropped_not_garbled():
    text = "I barely slept at all."
    runs = highlight(text, [(2, 14, "trigger", "sleep"), (9, 14, "trigger", "sleep"), (5, 99, "risk", "x")])
    assert [r.kind for r in runs] == ["", "trigger", ""]
    assert "".join(r.text for r in runs) == text
