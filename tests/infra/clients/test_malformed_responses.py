"""Property-based: whatever a service answers, the caller gets a result or one clear error.

A stand-in on 127.0.0.1 answers each request with a drawn (status, headers, body): JSON of any
shape, text that is no JSON (a proxy's HTML page, a truncated document), nothing at all, with
statuses that succeed, fail, throttle or start a long-running operation. The Fabric and ARM
clients, and the scorer `fabml score-endpoint` runs on them, must end in a value or in their
own error (a `UserError`: `fabml` prints one line and exits 2): never a KeyError,
AttributeError or TypeError from a shape nobody checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fabml.scoring.score_client import EndpointScorer
from infra.clients.arm import ArmClient
from infra.clients.fabric import FabricClient
from infra.components.model.config import ModelConfig
from infra.errors import UserError
from infra.fabric.score_request import describe
from tests.conftest import BOUNDED
from tests.local_server import JsonHandler, serving

_json = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(["id", "value", "status", "error", "predictions", "continuationUri"]),
            inner,
            max_size=3,
        )
    ),
    max_leaves=6,
)
_body = st.one_of(
    _json.map(lambda value: json.dumps(value).encode()),
    st.sampled_from([b"", b"<html>502 Bad Gateway</html>", b'{"id": ', b"null", b"[]"]),
)
_status = st.sampled_from([200, 200, 201, 202, 400, 404, 429, 500])
_answer = st.tuples(_status, st.booleans(), _body)  # (status, Location header?, body)
ANSWERS = st.lists(_answer, min_size=1, max_size=4)


class Script:
    """Answers requests from a drawn list, then a plain 200 with an empty object."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, bool, bytes]] = []

    def handler(self) -> type[JsonHandler]:
        script = self

        class Handler(JsonHandler):
            def _answer(self) -> None:
                if self.headers.get("Content-Length"):
                    self.rfile.read(int(self.headers["Content-Length"]))
                status, located, body = (
                    script.answers.pop(0) if script.answers else (200, False, b"{}")
                )
                self.send_response(status)
                self.send_header("Retry-After", "0")
                if located:
                    self.send_header("Location", f"{self.base_url}/v1/operations/1")
                    self.send_header("Azure-AsyncOperation", f"{self.base_url}/operations/1")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        return Handler


@pytest.fixture(scope="module")
def stand_in() -> Iterator[tuple[Script, str]]:
    script = Script()
    with serving(script.handler()) as base:
        yield script, base


# An operation whose status never reads Succeeded is polled until the client's deadline: here
# a fraction of a second (the sleeps between polls are skipped), in a real run 30 minutes.
DEADLINE = 0.3


def _calls(base: str) -> dict[str, Any]:
    fabric = FabricClient(
        base_url=f"{base}/v1", token=lambda s: "t", sleep=lambda s: None, timeout_seconds=DEADLINE
    )
    arm = ArmClient(
        endpoint=base, token=lambda s: "t", sleep=lambda s: None, timeout_seconds=DEADLINE
    )
    scorer = EndpointScorer(fabric, "w", "m", describe(ModelConfig().folder, 2))
    header = scorer.request.names
    rows = [[1] * len(header), [2] * len(header)]
    return {
        "fabric GET": lambda: fabric.call("GET", "/items/1").body,
        "fabric create": lambda: fabric.call("POST", "/items", {}, expect=("id",)).body["id"],
        "fabric pages": lambda: [item.get("id") for item in fabric.pages("/items")],
        "arm GET": lambda: arm.call("GET", "/x", "2025-12-01")[2],
        "arm PUT and wait": lambda: arm.call_and_wait("PUT", "/x", "2025-12-01", {})[1],
        "score-endpoint": lambda: scorer.score(header, rows),
    }


@BOUNDED
@given(call=st.sampled_from(sorted(_calls("http://127.0.0.1:1"))), answers=ANSWERS)
def test_any_answer_gives_a_result_or_one_clear_error(
    stand_in: tuple[Script, str], call: str, answers: list[tuple[int, bool, bytes]]
) -> None:
    script, base = stand_in
    script.answers[:] = answers
    message = ""
    try:
        _calls(base)[call]()
    except UserError as error:
        message = str(error).strip() or "(empty)"
    assert "\n" not in message, message
    assert message != "(empty)", call
