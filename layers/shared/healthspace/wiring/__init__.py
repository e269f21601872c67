"""Composition roots: where the contexts meet their adapters, once per warm function.

Each module here is the root of one kind of function and imports only the contexts and
adapters it composes (`records` for the medical file, `enrollment`, `notices`, `partners`,
`ops`): a function that imports `wiring.records` loads nothing of enrollment. Settings are read
(and checked) when a root is first built, at the function's init. `compose` builds the medical
file from ports alone, for the roots and for the tests' fakes.

Functions import these roots; contexts, adapters and the API never do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")

_roots: list[Callable[[], object]] = []


def root(build: Callable[P, T]) -> Callable[P, T]:
    """A root is built once per process (once per argument, for a root that takes one), on
    first use, and dropped by `forget`."""
    cached = cache(build)
    _roots.append(cached)
    return cached  # type: ignore[return-value]


def forget() -> None:
    """Drop every root: the next call builds it again from the environment as it is then.
    For the local stack and the tests, where one process outlives a moto server or a
    function's settings; a Lambda instance wires once."""
    for built in _roots:
        built.cache_clear()  # type: ignore[attr-defined]
