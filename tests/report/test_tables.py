import pytest

from bams.report.tables import ReadoutTable, order_methods, readout_tables, table_html


def row(method, task, protocol, score, std=0.0, *, unit="recording", seeds=3, level=None):
    level = level or ("frame" if protocol == "frame" else "sequence")
    metric = "r2" if task == "style" else "f1_macro"
    return {
        "method": method,
        "task": task,
        "protocol": protocol,
        "level": level,
        "kind": "regression" if metric == "r2" else "classification",
        "unit": unit,
        "metric": metric,
        "score": score,
        "score_std": std,
        "n_seeds": seeds,
    }


@pytest.fixture
def rows():
    out = []
    for unit in ("recording", "group"):
        for method, base in (("BAMS long_term", 0.8), ("raw features", 0.5)):
            out.append(row(method, "state", "frame", base, 0.01, unit=unit))
            for protocol in ("per_frame", "frame_average", "mean_embedding"):
                out.append(row(method, "style", protocol, base - 0.1, 0.02, unit=unit))
    return out


def test_order_methods_puts_highlighted_first_and_keeps_order():
    methods = ["raw", "BAMS b", "pca", "BAMS a", "raw"]
    assert order_methods(methods, ["BAMS a", "BAMS b"]) == ["BAMS b", "BAMS a", "raw", "pca"]


def test_tables_per_unit_and_protocol_family(rows):
    tables = readout_tables(rows, ["BAMS long_term", "raw features"])
    assert [t.title for t in tables] == [
        "Frame-level readouts (split by recording)",
        "Recording-level readouts of sequence labels (split by recording)",
        "Frame-level readouts (split by group)",
        "Recording-level readouts of sequence labels (split by group)",
    ]
    assert tables[0].columns == [("state", "frame"), ("style", "per_frame")]
    assert tables[1].columns == [("style", "frame_average"), ("style", "mean_embedding")]
    assert all(t.methods == ["BAMS long_term", "raw features"] for t in tables)


def test_frame_labels_only_make_one_table():
    rows = [row("a", "state", "frame", 0.5), row("b", "state", "frame", 0.6)]
    (table,) = readout_tables(rows, ["a", "b"])
    assert table.best(("state", "frame")) == {"b"}


def test_best_is_bold_including_ties_and_missing_cells_are_dashes():
    rows = [
        row("a", "state", "frame", 0.7001),
        row("b", "state", "frame", 0.7004),
        row("c", "state", "frame", 0.2),
        row("a", "class", "per_frame", 0.9),
    ]
    (table,) = readout_tables(rows, ["a", "b", "c"])
    assert table.best(("state", "frame")) == {"a", "b"}
    html = table_html(table, highlighted=["a"], dims={"a": 32}, kinds={"c": "baseline"})
    assert html.count("<td class='best'><b>") == 3
    assert "<td><b>" not in html
    assert "0.700 ± 0.000" in html and "<td>—</td>" in html
    assert "<tr class='bams'><th class='method'>a <span class='dims'>32-d</span>" in html
    assert "<span class='tag'>baseline</span>" in html
    assert '<th colspan="1" class="task">state</th>' in html
    assert "macro-F1" in html


def test_one_seed_shows_no_spread_and_names_are_escaped():
    rows = [row("<raw>", "style", "per_frame", -0.25, 0.0, seeds=1)]
    (table,) = readout_tables(rows, ["<raw>"])
    html = table_html(table)
    assert "-0.250</b>" in html and "±" not in html
    assert "&lt;raw&gt;" in html and "<raw>" not in html
    assert "R²" in html


def test_table_without_scores_has_no_best():
    table = ReadoutTable("t", "c", [("state", "frame")], ["a"], {})
    assert table.best(("state", "frame")) == set()
