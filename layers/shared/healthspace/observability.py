"""Powertools logger, metrics and tracer, set up once for every function.

Log pseudonymous ids only (space ids, subjects): never an INS, a name or health data.
"""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
metrics = Metrics()
tracer = Tracer()
