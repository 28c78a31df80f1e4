"""The learned risk stage's training recipe (ml.train_risk): which rows are writers, how they weigh."""

from ml import train_risk


def test_every_writers_file_in_every_round_is_one_leave_one_out_fold():
    writers = train_risk.writer_sets()
    assert set("ABCDEFGH") <= set(writers)
    for name, rows in writers.items():
        assert len(rows) >= 300
        assert {row["fold"] for row in rows} == {row["writer"] for row in rows} == {name}


def test_balancing_makes_each_writer_weigh_the_same_and_leaves_other_rows_alone():
    rows = (
        [{"fold": "A", "writer": "A"}] * 30
        + [{"fold": "B", "writer": "B"}] * 10
        + [{"writer": "helper"}, {"weight": 5.0, "writer": "helper-contrast"}, {}]
    )
    plain = train_risk.row_weights(rows)
    assert set(plain[:40]) == {train_risk.WRITER_WEIGHT}
    balanced = train_risk.row_weights(rows, balance=True, v2_weight=0.5)
    assert abs(balanced[:30].sum() - balanced[30:40].sum()) < 1e-4
    assert abs(balanced[:40].sum() - plain[:40].sum()) < 1e-4  # the writers' total weight is unchanged
    assert list(balanced[40:]) == [train_risk.WRITER_WEIGHT, 5.0, 0.5]
