"""panel.parquet as a user reads it, and `xxgk rates` against the same figures computed by hand
in polars and in DuckDB (the README's recipes), on the bundled sample and on a generated corpus.

Pooled rate = sum of numerators / sum of denominators over the reports that state the numerator
and a positive denominator; with it, the reports behind the figure and the reports that state
the denominator (docs/rates.md). The Rust and the Python sides must agree exactly.
"""
import csv
import io
import json
import os
import subprocess
import tempfile

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TARGET = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR", "target"))
BIN = os.environ.get("XXGK_BIN", os.path.join(TARGET, "release", "xxgk"))

MEASURES = ["proactive", "received", "carried_in", "handled", "granted", "partial", "denied",
            "unavailable", "not_processed", "other", "carried_out", "review_total",
            "review_corrected", "review_pending", "litigation_total", "litigation_corrected",
            "litigation_pending"]
RATES = ["disclosure_rate", "disclosure_rate_absolute", "review_correction_rate", "correction_rate"]


def run(*args):
    return subprocess.run([BIN, *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def datasets():
    if not os.path.exists(BIN):
        pytest.fail(f"{BIN} not built: run `cargo test --release` (or `cargo build --release`) first")
    tmp = tempfile.mkdtemp(prefix="xxgk-rates-")
    sample = os.path.join(tmp, "sample")
    run("run", os.path.join(ROOT, "data", "sample"), "-o", sample, "-q")
    corpus = os.path.join(tmp, "corpus")
    run("gen-corpus", corpus, "--reports", "300")
    generated = os.path.join(tmp, "generated")
    run("run", corpus, "-o", generated, "-q")
    return {"sample": sample, "generated": generated}


def panel_path(out):
    return os.path.join(out, "panel.parquet")


def test_panel_columns_types_and_order(datasets):
    for name, out in datasets.items():
        panel = pq.read_table(panel_path(out))
        want = {"agency": pa.string(), "year": pa.int16(), "province": pa.string(), "city": pa.string(),
                "county": pa.string(), "division_code": pa.string(), "level": pa.string(),
                "template": pa.string(), "report_id": pa.string(), "source_path": pa.string(),
                "checks_failed": pa.int32()}
        want.update({m: pa.float64() for m in MEASURES + RATES})
        assert {f.name: f.type for f in panel.schema} == want, name
        assert list(panel.schema.names) == list(want), name
        meta = pq.read_metadata(panel_path(out)).metadata
        assert b"xxgk.taxonomy_version" in meta
        rows = panel.to_pylist()
        keys = [((r["agency"] is not None, r["agency"] or ""), r["year"], r["report_id"]) for r in rows]
        assert keys == sorted(keys), name
        # One row per report whose facts are in facts.parquet, with its failed checks.
        reports = pq.read_table(os.path.join(out, "reports.parquet")).to_pylist()
        kept = {r["report_id"]: r["checks_failed"] for r in reports
                if r["status"] in ("ok", "partial") and r["facts"] > 0}
        assert {r["report_id"]: r["checks_failed"] for r in rows} == kept, name
        assert len(rows) == len(kept)
        for r in rows:
            for rate in RATES:
                v = r[rate]
                assert v is None or v == v and v not in (float("inf"), float("-inf")), (name, rate, r)


def test_check_schema_covers_the_panel(datasets):
    tool = os.path.join(ROOT, "..", "shared", "tools", "check_schema.py")
    if not os.path.exists(tool):
        pytest.skip("../shared/tools/check_schema.py absent")
    for out in datasets.values():
        res = subprocess.run(["python3", tool, out], capture_output=True, text=True)
        assert res.returncode == 0, res.stdout + res.stderr
        assert "panel.parquet" in res.stdout


def terms():
    """(numerator, denominator) of each rate as polars expressions: null when a term is null."""
    import polars as pl
    c = pl.col
    return {
        "disclosure_rate": (c("granted") + c("partial"), c("handled")),
        "disclosure_rate_absolute": (c("granted"), c("handled")),
        "review_correction_rate": (c("review_corrected"), c("review_total") - c("review_pending")),
        "correction_rate": (c("review_corrected") + c("litigation_corrected"),
                            (c("review_total") + c("litigation_total"))
                            - (c("review_pending") + c("litigation_pending"))),
    }


def polars_rates(out, by):
    """The README's polars recipe, for every rate."""
    import polars as pl
    panel = pl.read_parquet(panel_path(out))
    aggs = [pl.len().alias("reports")]
    for rate, (num, den) in terms().items():
        used = num.is_not_null() & (den > 0)
        aggs += [
            num.filter(used).sum().alias(f"{rate}_numerator"),
            den.filter(used).sum().alias(f"{rate}_denominator"),
            used.sum().alias(f"{rate}_reports"),
            den.is_not_null().sum().alias(f"{rate}_stated"),
        ]
    g = panel.group_by(by).agg(aggs)
    g = g.with_columns([
        pl.when(pl.col(f"{r}_denominator") > 0)
        .then(pl.col(f"{r}_numerator") / pl.col(f"{r}_denominator")).alias(r) for r in RATES
    ])
    out_rows = {}
    for row in g.to_dicts():
        key = tuple(row[b] for b in by)
        for r in RATES:
            if row[f"{r}_reports"] == 0:
                row[f"{r}_numerator"] = row[f"{r}_denominator"] = None
        out_rows[key] = row
    return out_rows


def duckdb_rates(out, by):
    """The README's DuckDB recipe, for every rate."""
    import duckdb
    sql_terms = {
        "disclosure_rate": ("granted + partial", "handled"),
        "disclosure_rate_absolute": ("granted", "handled"),
        "review_correction_rate": ("review_corrected", "review_total - review_pending"),
        "correction_rate": ("review_corrected + litigation_corrected",
                            "(review_total + litigation_total) - (review_pending + litigation_pending)"),
    }
    cols = []
    for rate, (num, den) in sql_terms.items():
        used = f"({num}) IS NOT NULL AND ({den}) > 0"
        cols += [
            f"sum({num}) FILTER (WHERE {used}) / nullif(sum({den}) FILTER (WHERE {used}), 0) AS {rate}",
            f"sum({num}) FILTER (WHERE {used}) AS {rate}_numerator",
            f"sum({den}) FILTER (WHERE {used}) AS {rate}_denominator",
            f"count(*) FILTER (WHERE {used}) AS {rate}_reports",
            f"count({den}) AS {rate}_stated",
        ]
    q = (f"SELECT {', '.join(by)}, count(*) AS reports, {', '.join(cols)} "
         f"FROM read_parquet('{panel_path(out)}') GROUP BY ALL")
    cur = duckdb.execute(q)
    names = [d[0] for d in cur.description]
    rows = {}
    for values in cur.fetchall():
        row = dict(zip(names, values))
        rows[tuple(row[b] for b in by)] = row
    return rows


def xxgk_rates(out, by, fmt):
    text = run("rates", out, "--by", ",".join(by), "--format", fmt)
    if fmt == "json":
        rows = json.loads(text)
    else:
        rows = []
        for r in csv.DictReader(io.StringIO(text)):
            row = {}
            for k, v in r.items():
                if k == "year":
                    row[k] = int(v) if v else None
                elif k in by:
                    row[k] = v if v else None
                else:
                    row[k] = float(v) if v else None
            rows.append(row)
    return text, {tuple(r[b] for b in by): r for r in rows}


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    return float(a) == float(b)


@pytest.mark.parametrize("by", [["province", "year"], ["city", "year"], ["level", "year"]])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_xxgk_rates_equals_polars_and_duckdb(datasets, by, fmt):
    fields = ["reports"] + [f"{r}{s}" for r in RATES
                            for s in ("", "_numerator", "_denominator", "_reports", "_stated")]
    for name, out in datasets.items():
        text, ours = xxgk_rates(out, by, fmt)
        for engine, theirs in (("polars", polars_rates(out, by)), ("duckdb", duckdb_rates(out, by))):
            assert set(ours) == set(theirs), (name, engine)
            for key, row in ours.items():
                for f in fields:
                    assert same(row[f], theirs[key][f]), (name, engine, key, f, row[f], theirs[key][f])
        # Groups come sorted, nulls first, years as numbers.
        keys = [tuple((k is not None, k) for k in key) for key in ours]
        assert keys == sorted(keys), name
        if name == "generated" and by[0] == "province":
            assert any(r["disclosure_rate"] is not None for r in ours.values()), "some figures"
        # The same text twice: deterministic.
        assert xxgk_rates(out, by, fmt)[0] == text


def test_sample_rates_by_province_by_hand(datasets):
    """The figures of the sample worked out from the reports (tests/panel.rs has each report)."""
    _, rows = xxgk_rates(datasets["sample"], ["province", "year"], "csv")
    assert rows[("山东省", 2017)]["disclosure_rate"] == 0.0
    assert rows[("山东省", 2017)]["disclosure_rate_stated"] == 2
    assert rows[("浙江省", 2017)]["disclosure_rate"] is None
    assert rows[("山东省", 2021)]["disclosure_rate"] is None
    # The layout samples, one per province and year: (予以公开 + 部分公开) / （七）总计, or
    # (同意公开 + 同意部分公开) / 申请答复数 on the 2008 tables.
    assert rows[("四川省", 2020)]["disclosure_rate"] == pytest.approx(27 / 50)
    assert rows[("湖南省", 2019)]["disclosure_rate"] == pytest.approx(8 / 12)
    assert rows[("江西省", 2011)]["disclosure_rate"] == pytest.approx(2 / 3)
    # 湖南 2019 states 复议 0 (its blank parts proved 0 by that total): a stated 0, no rate.
    assert rows[("湖南省", 2019)]["review_correction_rate"] is None
    assert rows[("湖南省", 2019)]["review_correction_rate_stated"] == 1
