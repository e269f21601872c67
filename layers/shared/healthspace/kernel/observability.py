"""Powertools logger and metrics, set up once for every function.

No Powertools Tracer: Lambda's active tracing (template.yaml) already records each invocation and
its AWS calls' latency, and the Tracer's X-Ray SDK import alone costs ~250 ms of cold start
(measured by `make bench`).

Log pseudonymous ids only (space ids, subjects): never an INS, a name or health data.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

logger = Logger()
metrics = Metrics()
