"""Scoring through a Fabric ML model endpoint: one token, batches, throttling handled."""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.credentials import AccessToken

from fabml.cli.main import main
from fabml.scoring.score_client import EndpointScorer, read_rows
from infra.clients import http
from infra.clients.fabric import FabricClient
from infra.components.model.config import ModelConfig
from infra.errors import UserError
from infra.fabric.score_request import describe
from tests.conftest import DATA
from tests.fabric_spec import FabricSpec
from tests.local_server import JsonHandler, serving

SAMPLE = DATA / "heart-unlabeled-0.csv"
WORKSPACE = "11111111-aaaa-4aaa-8aaa-111111111111"
MODEL = "22222222-bbbb-4bbb-8bbb-222222222222"
SPEC = FabricSpec()


class Endpoint:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.problems: list[str] = []
        self.busy: list[int] = []  # statuses to answer first, e.g. [429, 503]
        self.slow: list[float] = []  # seconds to wait before answering, per request
        self.tokens: list[str] = []  # the Authorization header of each request
        self.cold = False  # answer each score with 202 + an operation, as a cold endpoint does
        self.operations: dict[str, dict[str, Any]] = {}  # id -> {"polls", "result", "origin"}
        self.result_lacks: tuple[str, ...] = ()  # keys an operation's result leaves out
        self.gets: list[str] = []


@pytest.fixture
def endpoint() -> Iterator[tuple[Endpoint, str]]:
    state = Endpoint()

    class Handler(JsonHandler):
        def answer(
            self,
            status: int,
            body: Any,
            headers: dict[str, str] | None = None,
            origin: tuple[str, str] | None = None,
        ) -> None:
            url = f"https://api.fabric.microsoft.com{self.path}"
            state.problems += SPEC.check_response(self.command, url, status, body, origin=origin)
            self.send_json(status, body, headers)

        def do_GET(self) -> None:
            state.gets.append(self.path)
            operation = self.path.split("/operations/", 1)[1].removesuffix("/result")
            record = state.operations[operation]
            if self.path.endswith("/result"):
                # Checked as the score call's answer: the spec types /result as raw content.
                self.answer(200, record["result"], origin=record["origin"])
                return
            record["polls"] += 1
            status = "Running" if record["polls"] < 2 else "Succeeded"
            self.answer(
                200,
                {
                    "status": status,
                    "createdTimeUtc": "2026-12-04T00:00:00Z",
                    "lastUpdatedTimeUtc": "2026-12-04T00:00:00Z",
                    "percentComplete": 100 if status == "Succeeded" else 50,
                },
                {"Retry-After": "0"},
            )

        def do_POST(self) -> None:
            body = self.read_json()
            state.tokens.append(self.headers.get("Authorization", ""))
            if state.slow:
                time.sleep(state.slow.pop(0))
            state.problems += SPEC.check(
                "POST", f"https://api.fabric.microsoft.com{self.path}", body
            )
            if state.busy:
                status = state.busy.pop(0)
                # 429 and 503 name a wait; a bare 500 does not.
                wait = {"Retry-After": "0"} if status in (429, 503) else {}
                self.send_json(status, {"errorCode": "Busy", "message": "later"}, wait)
                return
            state.requests.append(body)
            predictions = [[row[0] % 2] for row in body["inputs"]]
            result = {
                "formatType": "dataframe",
                "orientation": "values",
                "predictions": predictions,
            }
            if state.cold:
                operation = f"0acd697c-1550-43cd-b998-{len(state.operations):012d}"
                state.operations[operation] = {
                    "polls": 0,
                    "result": {k: v for k, v in result.items() if k not in state.result_lacks},
                    "origin": ("POST", f"https://api.fabric.microsoft.com{self.path}"),
                }
                self.answer(
                    202,
                    None,
                    {
                        "Location": f"{self.base_url}/v1/operations/{operation}",
                        "x-ms-operation-id": operation,
                        "Retry-After": "0",
                    },
                )
                return
            self.answer(200, result)

    with serving(Handler) as base:
        yield state, f"{base}/v1"


def _cli(*extra: str) -> int:
    return main(
        ["score-endpoint", str(SAMPLE), "--workspace-id", WORKSPACE, "--model-id", MODEL, *extra]
    )


def _scorer(base: str, batch: int, tokens: list[str]) -> EndpointScorer:
    def token(scope: str) -> str:
        tokens.append(scope)
        return "t"

    client = FabricClient(base_url=base, token=token, sleep=lambda s: None)
    return EndpointScorer(client, WORKSPACE, MODEL, describe(ModelConfig().folder, batch))


def test_rows_go_in_batches_with_one_token(endpoint: tuple[Endpoint, str]) -> None:
    state, base = endpoint
    header, rows = read_rows(SAMPLE)
    tokens: list[str] = []
    scorer = _scorer(base, 30, tokens)
    predictions = scorer.score(header, rows)
    assert predictions == [row[0] % 2 for row in rows]
    assert tokens == ["https://api.fabric.microsoft.com/.default"]
    assert [len(r["inputs"]) for r in state.requests] == [30, 30, 30, 10]
    assert scorer.requests == math.ceil(len(rows) / 30)
    assert state.requests[0]["formatType"] == "dataframe"
    assert state.requests[0]["inputs"][0] == [63, 1, 1, 145, 233, 1, 2, 150, 0, 2.3, 3, 0, "fixed"]
    assert state.problems == []


def test_throttling_and_unavailability_are_retried(endpoint: tuple[Endpoint, str]) -> None:
    state, base = endpoint
    state.busy = [429, 503]
    header, rows = read_rows(SAMPLE)
    assert len(_scorer(base, 500, []).score(header, rows)) == 100
    assert len(state.requests) == 1


def test_server_errors_and_timeouts_are_retried(endpoint: tuple[Endpoint, str]) -> None:
    state, base = endpoint
    header, rows = read_rows(SAMPLE)
    state.busy = [500, 502]
    state.slow = [0, 0, 1.5]  # the third try gets no answer within the read timeout
    client = FabricClient(
        base_url=base, token=lambda s: "t", sleep=lambda s: None, read_timeout=0.5
    )
    scorer = EndpointScorer(client, WORKSPACE, MODEL, describe(ModelConfig().folder, 500))
    assert len(scorer.score(header, rows)) == 100
    assert len(state.tokens) == 4  # 500, 502, timeout, answer
    assert len(state.requests) == 1


def test_an_expiring_token_is_renewed_between_batches(endpoint: tuple[Endpoint, str]) -> None:
    state, base = endpoint
    header, rows = read_rows(SAMPLE)
    issued: list[str] = []

    class ShortLived:
        def get_token(self, *scopes: str, **_: Any) -> AccessToken:
            issued.append(f"t{len(issued)}")
            return AccessToken(issued[-1], int(time.time()) + 60)  # inside the refresh window

    client = FabricClient(base_url=base, credential=ShortLived(), sleep=lambda s: None)
    EndpointScorer(client, WORKSPACE, MODEL, describe(ModelConfig().folder, 50)).score(header, rows)
    assert state.tokens == ["Bearer t0", "Bearer t1"]


def test_a_cold_endpoint_answers_202_and_the_scores_come_from_the_operation(
    endpoint: tuple[Endpoint, str],
) -> None:
    state, base = endpoint
    state.cold = True
    header, rows = read_rows(SAMPLE)
    scorer = _scorer(base, 60, [])
    assert scorer.score(header, rows) == [row[0] % 2 for row in rows]
    assert [len(r["inputs"]) for r in state.requests] == [60, 40]
    assert scorer.requests == 2  # ceil(100 / 60) POSTs; the rest are polls
    # Each operation: polled until Succeeded (Retry-After honoured), then its /result read.
    for operation in state.operations:
        assert [g for g in state.gets if operation in g] == [
            f"/v1/operations/{operation}",
            f"/v1/operations/{operation}",
            f"/v1/operations/{operation}/result",
        ]
    assert state.problems == []


def test_an_operation_result_is_checked_as_the_score_calls_answer(
    endpoint: tuple[Endpoint, str],
) -> None:
    state, base = endpoint
    state.cold = True
    state.result_lacks = ("predictions",)
    header, rows = read_rows(SAMPLE)
    with pytest.raises(UserError, match="expected 100 predictions"):
        _scorer(base, 500, []).score(header, rows)
    assert state.problems == [
        "Endpoint_ScoreMLModelEndpoint response 200: body: 'predictions' is a required property"
    ]


def test_columns_are_sent_by_name_in_the_signature_order(endpoint: tuple[Endpoint, str]) -> None:
    state, base = endpoint
    header, rows = read_rows(SAMPLE)
    reordered = list(reversed(header))
    flipped = [list(reversed(row)) for row in rows]
    _scorer(base, 500, []).score(reordered, flipped)
    assert state.requests[0]["inputs"][0] == [63, 1, 1, 145, 233, 1, 2, 150, 0, 2.3, 3, 0, "fixed"]
    with pytest.raises(UserError, match=r"lack the model's input column\(s\) thal \(the model"):
        _scorer(base, 500, []).score(header[:-1], [row[:-1] for row in rows])


def test_cli_writes_rows_with_predictions(
    endpoint: tuple[Endpoint, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, base = endpoint

    class Credential:
        def get_token(self, *scopes: str, **_: Any) -> AccessToken:
            return AccessToken("t", int(time.time()) + 3600)

    monkeypatch.setattr(http, "default_credential", Credential)
    out = tmp_path / "scored.csv"
    assert _cli("--batch-size", "40", "--out", str(out), "--api-url", base) == 0
    lines = out.read_text().splitlines()
    assert lines[0].endswith(",thal,prediction")
    assert len(lines) == 101
    assert "1 token request(s) and 3 score request(s)" in capsys.readouterr().err


def test_secrets_never_come_from_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli("--client-id", "x") == 2
    assert "FABML_CLIENT_SECRET" in capsys.readouterr().err
    assert (
        main(["score-endpoint", "nope.csv", "--workspace-id", WORKSPACE, "--model-id", MODEL]) == 2
    )
    assert "nope.csv: no such file" in capsys.readouterr().err


def test_a_csv_without_a_model_column_is_refused_before_any_call(
    endpoint: tuple[Endpoint, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state, base = endpoint
    lines = SAMPLE.read_text().splitlines()
    short = tmp_path / "short.csv"
    short.write_text("\n".join(line.rsplit(",", 1)[0] for line in lines) + "\n")
    ids = ["--workspace-id", WORKSPACE, "--model-id", MODEL]
    assert main(["score-endpoint", str(short), *ids, "--api-url", base]) == 2
    assert "lack the model's input column(s) thal" in capsys.readouterr().err
    assert state.requests == []
