"""Cold start, as a consequence of the rooms: for each function of the template, the import of
its handler module in a fresh interpreter next to, in the same run, the import of only the
third-party modules that handler loads (boto3, Powertools' parts, pydantic, pynamodb...).
Our own code's share is the difference. Medians of interleaved runs (the machines are shared
and noisy: the ratio, measured side by side, is what counts).

    python -m infra.bench.cold_start [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

from infra.local.lambdas import function_spec
from infra.local.template import load_template

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.15  # our code adds at most 15 % on top of the third-party floor
# Run in a fresh interpreter: only what it needs before the clock starts (time, sys, json).
_PROBE = """
import json, sys, time
OURS = {"healthspace", "functions"}
EVENT_HANDLER = "aws_lambda_powertools.event_handler"
OPENAPI_MODELS = "aws_lambda_powertools.event_handler.openapi.models"
before = set(sys.modules)
mode, target = sys.argv[1], sys.argv[2]
start = time.perf_counter()
if mode == "handler":
    __import__(target)
else:
    for name in json.loads(target):
        try:
            __import__(name)
        except ImportError:  # loaded under another name as a side effect (__mp_main__...)
            pass
seconds = time.perf_counter() - start
loaded = [m for m in sys.modules if m not in before]
third_party = [
    m for m in loaded
    if m.split(".")[0] not in OURS and m.split(".")[0] not in sys.stdlib_module_names
]
print(json.dumps({"seconds": seconds, "third_party": third_party,
                  "event_handler": EVENT_HANDLER in sys.modules,
                  "openapi": OPENAPI_MODELS in sys.modules}))
"""


def environment(variables: list[str]) -> dict[str, str]:
    """The function's variables with stand-in values the settings accept; no AWS is called."""
    typed = {
        "ENROLLMENT_WINDOW": "P42D",
        "MAX_UPLOAD_BYTES": "20971520",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    return {
        **os.environ,
        "PYTHONPATH": f"{ROOT / 'layers' / 'shared'}{os.pathsep}{ROOT}",
        "AWS_DEFAULT_REGION": "eu-west-3",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_METRICS_NAMESPACE": "Bench",
        **{name: typed.get(name, f"bench-{name.lower()}") for name in variables},
    }


def probe(mode: str, target: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 (our interpreter, our probe)
        [sys.executable, "-c", _PROBE, mode, target],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"{mode} {target[:80]} failed:\n{result.stderr[-2000:]}")
    return json.loads(result.stdout)


def functions() -> list[tuple[str, str, list[str]]]:
    """(logical id, handler module, environment variable names) of every template function."""
    template = load_template()
    found = []
    for resource in template.of_type("AWS::Serverless::Function"):
        props = template.properties(resource.logical_id)
        spec = function_spec(resource.logical_id, resource.logical_id, "", props)
        found.append((resource.logical_id, spec.module, list(spec.environment)))
    return sorted(found)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"Cold start: handler import vs its third-party imports alone, median of {args.runs}")
    header = f"{'function':<22}{'handler s':>10}{'floor s':>10}{'ours':>8}  event handler  OpenAPI"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for logical_id, module, variables in functions():
        env = environment(variables)
        first = probe("handler", module, env)
        floor_modules = json.dumps(first["third_party"])
        handler_s, floor_s = [], []
        for _ in range(args.runs):  # interleaved: both sides see the same machine
            handler_s.append(float(probe("handler", module, env)["seconds"]))
            floor_s.append(float(probe("floor", floor_modules, env)["seconds"]))
        h, f = statistics.median(handler_s), statistics.median(floor_s)
        worst = max(worst, h / f)
        print(
            f"{logical_id:<22}{h:>10.3f}{f:>10.3f}{(h / f - 1):>+8.0%}"
            f"  {'yes' if first['event_handler'] else 'no':<13}  "
            f"{'yes' if first['openapi'] else 'no'}"
        )
    verdict = "within" if worst <= TARGET else "over"
    print(f"worst: our code adds {worst - 1:+.0%} ({verdict} the {TARGET - 1:.0%} target)")


if __name__ == "__main__":
    main()
