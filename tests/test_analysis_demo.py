"""The issue's check on the demo: ``msoko demo --no-serve`` then ``msoko analyse --json``
finds the planted cases of the ground-truth file (and the demo's addressed recommendations,
generated from the analysis, reach them), and over many seeds the share of unplanted
schools flagged (low results, resilient, non-objective) stays at most 5 %.

The number of seeds is ``MSOKO_ANALYSIS_SEEDS`` (default 5 in the regular run; the issue's
figure is measured with 20: ``MSOKO_ANALYSIS_SEEDS=20``, or ``benchmarks/analysis_false_positives.py``).
"""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_settings(settings: Any, tmp_path: Path) -> Any:
    settings.DATA_DIR = tmp_path / "data"
    settings.DATA_DIR.mkdir()
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings


def test_planted_cases_found_by_the_command(demo_settings: Any) -> None:
    call_command("demo", "--no-serve", "--seed", "3", stdout=io.StringIO())
    truth = json.loads((Path(demo_settings.DATA_DIR) / "demo_ground_truth.json").read_text())
    out = io.StringIO()
    call_command("analyse", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["territory"] == truth["municipality"]
    found = {(f["code"], f["finding"]) for f in data["findings"]}
    for case in truth["planted"]:
        assert (case["org_code"], case["case"]) in found, (case, sorted(found))
    # the non-objective school: flagged in the planted year, on the planted signals
    planted = next(c for c in truth["planted"] if c["case"] == "non_objective")
    finding = next(
        f
        for f in data["findings"]
        if f["code"] == planted["org_code"] and f["finding"] == "non_objective"
    )
    assert finding["year"] == planted["year"]
    fired = {s["signal"] for s in finding["signals"] if s["fired"]}
    assert set(planted["signals"]) <= fired
    journal = next(s for s in finding["signals"] if s["signal"] == "journal_mismatch")
    assert journal["figures"]["school_raised_pct"] > journal["figures"]["municipality_raised_pct"]
    # the demo's management cycle is generated from these findings: the planted ШНОР and
    # non-objective schools get their recommendations because the analysis finds them
    from msoko.cycle.models import Recommendation

    recs = Recommendation.objects.filter(territory__code=truth["municipality"])
    by_case = {
        (r.organisation.code, r.rule): r for r in recs.select_related("organisation")
    }
    for case in truth["planted"]:
        if case["case"] in ("low_results", "non_objective"):
            rec = by_case.get((case["org_code"], case["case"]))
            assert rec is not None, (case, sorted(by_case))
            assert rec.finding["source"] == "analysis"
    assert (planted["org_code"], "non_objective") in by_case
    assert by_case[(planted["org_code"], "non_objective")].year == planted["year"]
    # weak topics come from the element-wise analysis with its thresholds
    weak = recs.filter(rule="weak_topics").first()
    assert weak is not None and weak.finding["thresholds"]["basic"] == 60.0
    assert all(t["school"] < t["threshold"] for t in weak.finding["topics"])


def test_false_positive_rate_over_seeds(demo_settings: Any) -> None:
    from benchmarks.analysis_false_positives import main

    seeds = int(os.environ.get("MSOKO_ANALYSIS_SEEDS", "5"))
    result = main(seeds, 1)
    print(  # the figure the issue asks to report
        f"\nfalse positives: {result['false_positives']} of {result['unplanted']} unplanted "
        f"schools over {seeds} seeds = {100 * result['rate']:.1f} %; planted found "
        f"{result['found']} of {result['planted']}"
    )
    assert result["rate"] <= 0.05, result["rows"]
    assert result["found"] == result["planted"], [r["missed"] for r in result["rows"]]
