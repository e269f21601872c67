"""`make bench`, the local stack's throughput: `GET /me/documents` over HTTP (gateway, token
check, a RecordsFunction instance in its worker process, its two AWS calls on moto) next to a
bare moto GetItem loop (boto3 over HTTP) on the same moto server, in the same run.

    python -m infra.bench.local_stack [--runs 5] [--requests 100] [--clients 4]

Both subjects are driven alike: `--clients` threads of this process, each with its own client
(httpx, or boto3), each sending `--requests` one after another; a sample is all the requests
over the wall time they took. Samples are interleaved, one of each subject per round; the table
gives the medians and the ratio, and says whether the target (>= 0.5x) is met.

A second table is each subject's CPU time per request, by process (medians): this one (moto's
server, the gateway and the bench's clients), the RecordsFunction instances, and the other
processes of the stack (the stream consumers' instances, the forkserver). On a machine whose
cores are all busy, requests/s follow CPU time per request.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import httpx
import psutil

from infra.bench.measure import interleaved, print_table

TARGET = 0.5


PROCESSES = ("this process", "RecordsFunction instances", "other processes")


class CpuMeter:
    """CPU seconds (user + system) spent so far by this process, by the function's instances,
    and by the stack's other processes (its children that are not those instances)."""

    def __init__(self, instances: list[int]) -> None:
        self._this = psutil.Process()
        self._instances = [psutil.Process(pid) for pid in instances]

    def read(self) -> dict[str, float]:
        others = [p for p in self._this.children(recursive=True) if p not in self._instances]
        return {
            PROCESSES[0]: _cpu([self._this]),
            PROCESSES[1]: _cpu(self._instances),
            PROCESSES[2]: _cpu(others),
        }


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:  # a child that exited meanwhile
            continue
        total += times.user + times.system
    return total


Sample = tuple[float, dict[str, float]]  # requests/s, CPU ms per request by process


def concurrently(
    clients: int, requests: int, make: Callable[[], Callable[[], None]], meter: CpuMeter
) -> Sample:
    """Requests per second of `clients` threads, each making its own client with `make` (not
    timed) and calling it `requests` times; and the CPU time per request of each process."""
    calls = [make() for _ in range(clients)]

    def run(call: Callable[[], None]) -> None:
        for _ in range(requests):
            call()

    with ThreadPoolExecutor(clients) as pool:
        before = meter.read()
        started = time.perf_counter()
        for done in [pool.submit(run, call) for call in calls]:
            done.result()
        elapsed = time.perf_counter() - started
        after = meter.read()
    count = clients * requests
    return count / elapsed, {k: (after[k] - before[k]) * 1000 / count for k in PROCESSES}


def throughput_rows(
    api_url: str, table: str, requests: int, clients: int, runs: int, meter: CpuMeter
) -> tuple[list[list[str]], list[list[str]], float]:
    """The throughput table's rows, the CPU table's, and the ratio of the medians."""
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

    samples = interleaved(
        {
            "api": lambda: concurrently(clients, requests, api_client, meter),
            "moto": lambda: concurrently(clients, requests, moto_client, meter),
        },
        runs,
    )
    rps = {name: statistics.median(rate for rate, _ in runs) for name, runs in samples.items()}
    cpu = {
        name: {k: statistics.median(ms[k] for _, ms in runs) for k in PROCESSES}
        for name, runs in samples.items()
    }
    ratio = rps["api"] / rps["moto"]
    names = {
        "api": "GET /me/documents over HTTP (gateway + handler + 2 AWS calls)",
        "moto": "bare moto GetItem loop (boto3 over HTTP, same moto)",
    }
    rows = [
        [names["api"], f"{rps['api']:.0f}", f"{ratio:.2f}x"],
        [names["moto"], f"{rps['moto']:.0f}", "1.00x"],
    ]
    baseline = sum(cpu["moto"].values())
    cpu_rows = [
        [
            names[name],
            *(f"{cpu[name][k]:.2f}" for k in PROCESSES),
            f"{sum(cpu[name].values()):.2f}",
            f"{sum(cpu[name].values()) / baseline:.1f}x",
        ]
        for name in ("api", "moto")
    ]
    return rows, cpu_rows, ratio


def _documented(args: Any) -> str:
    return f"{args.clients} concurrent clients for each; median of {args.runs} runs"


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
        meter = CpuMeter(stack.registry.pids("RecordsFunction"))
        rows, cpu_rows, ratio = throughput_rows(
            stack.api_url,
            stack.ref("HealthSpaceTable"),
            args.requests,
            args.clients,
            args.runs,
            meter,
        )
    print_table(
        f"Local stack throughput ({_documented(args)}, {instances} RecordsFunction instances)",
        ["what", "requests/s", "ratio"],
        rows,
    )
    print(f"\ntarget >= {TARGET}x: {'met' if ratio >= TARGET else 'NOT met'} on this run")
    print_table(
        f"CPU time per request, ms, by process ({_documented(args)})",
        ["what", *PROCESSES, "total", "vs GetItem"],
        cpu_rows,
    )
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nload average (1, 5, 15 min) at the end: {load} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
