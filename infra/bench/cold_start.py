"""Cold start, function by function: the import of its handler module in a fresh interpreter
next to, in the same run, the import of only the third-party modules that handler loads
(boto3, Powertools' parts, pydantic, pynamodb...). Our code's share is the difference, in CPU
time (which other processes on a shared machine disturb less than wall time); target: at most
15 % on top of that floor. It also says which functions load Powertools' event handler
and its OpenAPI models (only the API functions should).

A handler's import includes its init: it builds its wiring (settings checked, adapters made;
AWS clients are created on first use), here with stand-in settings and no AWS reached. Both
sides run from compiled bytecode (cached under a temporary PYTHONPYCACHEPREFIX by a first,
untimed run), as a deployed layer should be shipped: compiling our sources at every cold start
would add more than the whole of our share.

    python -m infra.bench.cold_start [--runs 7]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from infra.bench.measure import interleaved, print_table
from infra.local.lambdas import function_spec
from infra.local.template import load_template, stand_in_environment

ROOT = Path(__file__).resolve().parents[2]
TARGET = 0.15  # our code adds at most this much on top of the third-party floor

# Run in a fresh interpreter, which loads only time, sys and json before the clock starts.
# `handler MODULE` imports the module and lists the third-party modules it loaded, in order;
# `floor JSON` imports those modules alone.
_PROBE = """
import json, sys, time
OURS = {"healthspace", "functions"}
before = set(sys.modules)
mode, target = sys.argv[1], sys.argv[2]
start = time.process_time()
if mode == "handler":
    __import__(target)
else:
    for name in json.loads(target):
        try:
            __import__(name)
        except ImportError:  # loaded under another name as a side effect (__mp_main__...)
            pass
seconds = time.process_time() - start
loaded = [m for m in sys.modules if m not in before]
third_party = [
    m for m in loaded
    if m.split(".")[0] not in OURS and m.split(".")[0] not in sys.stdlib_module_names
]
print(json.dumps({
    "seconds": seconds,
    "third_party": third_party,
    "event_handler": "aws_lambda_powertools.event_handler" in sys.modules,
    "openapi": "aws_lambda_powertools.event_handler.openapi.models" in sys.modules,
}))
"""


def environment(variables: list[str], pycache: str) -> dict[str, str]:
    """The function's variables with stand-in values; a region and credentials that reach
    nothing (nothing is called at init); bytecode cached under `pycache`."""
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AWS_ENDPOINT") and k != "PYTHONDONTWRITEBYTECODE"
    }
    return {
        **inherited,
        "PYTHONPYCACHEPREFIX": pycache,
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}{os.pathsep}{ROOT}",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        **stand_in_environment(variables),
    }


def probe(mode: str, target: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-c", _PROBE, mode, target],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"{mode} {target[:80]} failed:\n{result.stderr[-2000:]}")
    return dict(json.loads(result.stdout))


def seconds(mode: str, target: str, env: dict[str, str]) -> float:
    return float(probe(mode, target, env)["seconds"])


def functions() -> list[tuple[str, str, list[str]]]:
    """(logical id, handler module, its variables) of every function of the template: a new
    function is measured without a line here."""
    template = load_template()
    found = []
    for resource in template.of_type("AWS::Serverless::Function"):
        spec = function_spec(resource.logical_id, "", "", template.properties(resource.logical_id))
        found.append((resource.logical_id, spec.module, list(spec.environment)))
    return sorted(found)


def cold_start_table(runs: int, pycache: str) -> tuple[list[list[str]], float]:
    """The table's rows, and the largest share our code adds."""
    rows, worst = [], 0.0
    for logical_id, module, variables in functions():
        env = environment(variables, pycache)
        first = probe("handler", module, env)  # untimed: compiles and caches the bytecode
        floor = json.dumps(first["third_party"])
        probe("floor", floor, env)
        times = interleaved(
            {
                "handler": functools.partial(seconds, "handler", module, env),
                "floor": functools.partial(seconds, "floor", floor, env),
            },
            runs,
        )
        handler = statistics.median(times["handler"])
        third_party = statistics.median(times["floor"])
        ours = handler / third_party - 1
        worst = max(worst, ours)
        rows.append(
            [
                logical_id,
                f"{handler * 1000:.0f} ms",
                f"{third_party * 1000:.0f} ms",
                f"{ours:+.0%}",
                "ok" if ours <= TARGET else f"OVER {TARGET:.0%}",
                "yes" if first["event_handler"] else "no",
                "yes" if first["openapi"] else "no",
            ]
        )
    return rows, worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="interleaved runs (medians)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cold-start-pycache-") as pycache:
        rows, worst = cold_start_table(args.runs, pycache)
    print_table(
        f"Cold start: handler import vs its third-party imports alone (median of {args.runs})",
        [
            "function",
            "handler",
            "third-party floor",
            "ours",
            "target <= +15%",
            "event handler",
            "OpenAPI models",
        ],
        rows,
    )
    print(f"\nour code adds at most {worst:+.0%} to the floor")
    return 0


if __name__ == "__main__":
    sys.exit(main())
