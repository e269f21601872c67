"""`make bench`, the local stack's throughput: `GET /me/documents` over HTTP (gateway, token
check, a RecordsFunction instance in its worker process, its two AWS calls on moto) next to a
bare moto GetItem loop (boto3 over HTTP) on the same moto server, in the same run.

    python -m infra.bench.local_stack [--runs 5] [--requests 100] [--clients 4]

Both subjects are driven alike: `--clients` threads of this process, each with its own client
(httpx, or boto3), each sending `--requests` one after another; a sample is all the requests
over the wall time they took. Samples are interleaved, one of each subject per round; the table
gives the medians and the ratio, and says whether the target (>= 0.5x) is met.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import httpx

from infra.bench.measure import interleaved, print_table

TARGET = 0.5


def concurrently(clients: int, requests: int, make: Callable[[], Callable[[], None]]) -> float:
    """Requests per second of `clients` threads, each making its own client with `make` (not
    timed) and calling it `requests` times."""
    calls = [make() for _ in range(clients)]

    def run(call: Callable[[], None]) -> None:
        for _ in range(requests):
            call()

    with ThreadPoolExecutor(clients) as pool:
        started = time.perf_counter()
        for done in [pool.submit(run, call) for call in calls]:
            done.result()
        return clients * requests / (time.perf_counter() - started)


def throughput_rows(
    api_url: str, table: str, requests: int, clients: int, runs: int
) -> tuple[list[list[str]], float]:
    from infra.local.demo.people import DEMO_ACCOUNTS

    account = DEMO_ACCOUNTS[0]
    login = httpx.post(
        f"{api_url}/local/login",
        json={"username": account.username, "password": account.password},
        trust_env=False,
        timeout=30,
    )
    login.raise_for_status()
    headers = {"Authorization": f"Bearer {login.json()['id_token']}"}
    key = {"pk": {"S": "bench"}, "sk": {"S": "bench"}}
    boto3.client("dynamodb").put_item(TableName=table, Item=key)

    def api_client() -> Callable[[], None]:
        client = httpx.Client(base_url=api_url, timeout=30, trust_env=False)
        client.get("/me/documents", headers=headers).raise_for_status()  # a warm connection

        def call() -> None:
            client.get("/me/documents", headers=headers).raise_for_status()

        return call

    def moto_client() -> Callable[[], None]:
        dynamodb = boto3.session.Session().client("dynamodb")  # a client per thread
        dynamodb.get_item(TableName=table, Key=key)

        def call() -> None:
            dynamodb.get_item(TableName=table, Key=key)

        return call

    rates = interleaved(
        {
            "api": lambda: concurrently(clients, requests, api_client),
            "moto": lambda: concurrently(clients, requests, moto_client),
        },
        runs,
    )
    api_rps, moto_rps = statistics.median(rates["api"]), statistics.median(rates["moto"])
    ratio = api_rps / moto_rps
    rows = [
        [
            "GET /me/documents over HTTP (gateway + handler + 2 AWS calls)",
            f"{api_rps:.0f}",
            f"{ratio:.2f}x",
        ],
        ["bare moto GetItem loop (boto3 over HTTP, same moto)", f"{moto_rps:.0f}", "1.00x"],
    ]
    return rows, ratio


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m infra.bench.local_stack", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=100, help="per client and sample")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request lines
    logging.getLogger("infra.local.gateway").setLevel(logging.WARNING)  # a line per request
    from infra.local.stack import LocalStack

    with (
        tempfile.TemporaryDirectory() as logs,
        LocalStack(port=0, function_logs=Path(logs) / "functions.log") as stack,
    ):
        assert stack.registry is not None
        instances = stack.registry.instances("RecordsFunction")
        rows, ratio = throughput_rows(
            stack.api_url, stack.ref("HealthSpaceTable"), args.requests, args.clients, args.runs
        )
    print_table(
        f"Local stack throughput ({args.clients} concurrent clients for each, "
        f"{instances} RecordsFunction instances; median of {args.runs} runs)",
        ["what", "requests/s", "ratio"],
        rows,
    )
    print(f"\ntarget >= {TARGET}x: {'met' if ratio >= TARGET else 'NOT met'} on this run")
    return 0


if __name__ == "__main__":
    sys.exit(main())
