"""Runs `python -m infra.local` in a subprocess on a free port, ready when it answers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from infra.local.stack import free_port

ROOT = Path(__file__).parents[2]
STARTUP_SECONDS = 90


@dataclass
class StackProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path  # the process's own output (stdout, stderr)
    function_logs: Path | None = None  # --logs: the functions' JSON lines, the gateway's lines

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_stack(log: Path, *options: str) -> StackProcess:
    """Starts the stack on a free port and waits until its gateway answers; `options` are
    `python -m infra.local`'s (--enrollment-window, --no-demo-wave...)."""
    port = free_port()
    env = dict(os.environ)
    # As Lambda mounts the layer; the repository root for `functions` and `infra`.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "layers" / "shared"), str(ROOT)])
    output = log.open("wb")
    process = subprocess.Popen(  # noqa: S603 (our interpreter, our module)
        [sys.executable, "-m", "infra.local", "--port", str(port), *options],
        cwd=ROOT,
        env=env,
        stdout=output,
        stderr=subprocess.STDOUT,
    )
    logs = options[options.index("--logs") + 1] if "--logs" in options else None
    stack = StackProcess(process, f"http://127.0.0.1:{port}", log, Path(logs) if logs else None)
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the local stack exited with {process.returncode}:\n{stack.output()}")
        try:
            if httpx.get(f"{stack.url}/local/health", timeout=2, trust_env=False).is_success:
                return stack
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    stack.stop(signal.SIGKILL)
    pytest.fail(f"the local stack did not answer in {STARTUP_SECONDS}s:\n{stack.output()}")
