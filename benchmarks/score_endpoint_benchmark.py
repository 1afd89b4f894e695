"""Requests and wall time to score 10,000 rows through a (local) Fabric ML model endpoint.

    .venv/bin/python benchmarks/score_endpoint_benchmark.py [--rows 10000] [--batch 500]

Beside our client (`fabml score-endpoint`, the same batching as the Dataflow M function) runs
the published how-to's approach: a token request and a score request for every row. Target:
at most 1 token request + ceil(rows / batch) score requests.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from fabml.scoring.score_client import EndpointScorer, read_rows
from infra.clients.fabric import FabricClient
from infra.components.model.config import ModelConfig
from infra.fabric.score_request import describe

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = ROOT / "data" / "heart-unlabeled-0.csv"
COUNTS = {"token": 0, "score": 0}


class Endpoint(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path.endswith("/token"):
            COUNTS["token"] += 1
            body: dict[str, Any] = {"access_token": "t", "expires_in": 3600}
        else:
            COUNTS["score"] += 1
            rows = json.loads(raw)["inputs"]
            body = {
                "formatType": "dataframe",
                "orientation": "values",
                "predictions": [[0] for _ in rows],
            }
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _post(url: str, body: Any) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST")
    with urllib.request.urlopen(request) as reply:
        return json.loads(reply.read())


def how_to(base: str, rows: list[list[Any]]) -> None:
    """The published function's pattern: a token and a request for every row."""
    for row in rows:
        token = _post(f"{base}/tenant/oauth2/v2.0/token", {"grant_type": "client_credentials"})
        assert token["access_token"]
        _post(
            f"{base}/v1/workspaces/w/mlModels/m/endpoint/score",
            {"formatType": "dataframe", "orientation": "values", "inputs": [row]},
        )


def ours(base: str, header: list[str], rows: list[list[Any]], batch: int) -> None:
    def token(scope: str) -> str:
        return _post(f"{base}/tenant/oauth2/v2.0/token", {"scope": scope})["access_token"]

    client = FabricClient(base_url=f"{base}/v1", token=token)
    EndpointScorer(client, "w", "m", describe(ModelConfig().folder, batch)).score(header, rows)


def main() -> int:
    parser = argparse.ArgumentParser(description="score-endpoint requests and time")
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500)
    args = parser.parse_args()
    header, sample = read_rows(SAMPLE)
    rows = [sample[i % len(sample)] for i in range(args.rows)]
    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    print(f"{args.rows:,} rows against a local endpoint")
    for label, run in (
        ("fabml score-endpoint", lambda: ours(base, header, rows, args.batch)),
        ("the how-to's function", lambda: how_to(base, rows)),
    ):
        COUNTS.update(token=0, score=0)
        start = time.perf_counter()
        run()
        seconds = time.perf_counter() - start
        print(
            f"  {label:<22}: {COUNTS['token']:>6} token + {COUNTS['score']:>6} score requests "
            f"in {seconds:6.2f} s"
        )
    target = 1 + math.ceil(args.rows / args.batch)
    print(f"  target: at most {target} requests in all (1 token + ceil(rows / {args.batch}))")
    server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
