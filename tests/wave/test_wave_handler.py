"""The WaveFunction handler on its own, with a stand-in domain: what each action passes to the
domain, what it returns to the state machine, and the metrics a finished wave emits."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from infra.local.lambdas import LambdaContext
from tests.lambda_env import import_function

# Settings are checked when the function loads: it loads with the template's variables set.
app = import_function("functions.wave.app")


class StandInEnrollments:
    def __init__(self) -> None:
        self.finished: list[str] = []

    def seal_wave(self, wave_id: str) -> list[str]:
        return [f"waves/{wave_id}/chunks/import-{n:05d}.json" for n in range(1500)]

    def activate_chunk(self, chunk_key: str) -> dict[str, int]:
        return {"activated": 990, "skipped": 9, "unnotified": 1}

    def finish_wave(self, wave_id: str) -> dict[str, object]:
        self.finished.append(wave_id)
        return {
            "wave_id": wave_id,
            "notified": 1000,
            "opposed": 7,
            "activated_early": 3,
            "activated": 990,
            "failed": 1,
            "unnotified": 2,
            "failed_chunks": 1,
            "opposition_rate": 0.007,
        }


@pytest.fixture
def domain(monkeypatch: pytest.MonkeyPatch) -> StandInEnrollments:
    stand_in = StandInEnrollments()
    monkeypatch.setattr(app, "wave_timer", lambda: stand_in)
    return stand_in


def call(event: dict[str, Any]) -> Any:
    context = LambdaContext(
        function_name="wave",
        invoked_function_arn="arn:aws:lambda:eu-west-3:123456789012:function:wave",
        memory_limit_in_mb=1024,
        deadline=time.monotonic() + 10,
    )
    return app.lambda_handler(event, context)


def emitted_metrics(output: str) -> list[dict[str, Any]]:
    """The Embedded Metric Format documents Powertools printed."""
    lines = (json.loads(line) for line in output.splitlines() if line.startswith("{"))
    return [doc for doc in lines if "_aws" in doc]


def test_seal_answers_the_number_of_chunks_not_their_keys(domain: StandInEnrollments) -> None:
    # A wave of 1.5 million people has 1,500 chunk keys: they stay in chunks.json, not the payload.
    assert call({"action": "seal", "wave_id": "W20310301"}) == {
        "wave_id": "W20310301",
        "chunks": 1500,
    }


def test_activate_answers_the_chunk_counts(domain: StandInEnrollments) -> None:
    result = call({"action": "activate", "chunk_key": "waves/W20310301/chunks/a-00000.json"})
    assert result == {"activated": 990, "skipped": 9, "unnotified": 1}


def test_finish_stores_the_summary_and_emits_the_wave_metrics(
    domain: StandInEnrollments,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    summary = call({"action": "finish", "wave_id": "W20310301"})

    assert summary["activated"] == 990
    assert domain.finished == ["W20310301"]
    # a warning for operators
    assert [r.message for r in caplog.records if r.levelname == "WARNING"] == [
        "chunks failed: their keys are under waves/<wave_id>/failed/ for a rerun"
    ]
    (document,) = emitted_metrics(capsys.readouterr().out)
    assert document["wave_id"] == "W20310301"
    (directive,) = document["_aws"]["CloudWatchMetrics"]
    (dimensions,) = directive["Dimensions"]
    assert "wave_id" in dimensions  # with "service" in Lambda, where the service is named
    units = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert units == {
        "Notified": "Count",
        "Opposed": "Count",
        "ActivatedEarly": "Count",
        "Activated": "Count",
        "Failed": "Count",
        "Unnotified": "Count",
        "OppositionRate": "Percent",
    }
    assert (document["Notified"], document["Opposed"], document["Failed"]) == ([1000], [7], [1])
    assert document["Unnotified"] == [2]
    assert document["OppositionRate"] == [0.7]


def test_an_unknown_action_is_refused(domain: StandInEnrollments) -> None:
    with pytest.raises(ValueError, match="unknown action"):
        call({"action": "purge"})
