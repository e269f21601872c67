"""Loading a function's module as Lambda would, with the template's variables set: a function
checks its settings when it loads, so a test of a handler alone gives it an environment."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from unittest import mock

from healthspace import wiring
from infra.local.template import load_template, stand_in_environment


def template_environment() -> dict[str, str]:
    """Every variable of the template's Globals, with a stand-in value."""
    return stand_in_environment(load_template().globals["Function"]["Environment"]["Variables"])


def import_function(module: str) -> ModuleType:
    with mock.patch.dict(os.environ, {**template_environment(), **os.environ}):
        loaded = importlib.import_module(module)
    wiring.forget()  # what it wired under stand-in values must not serve another test
    return loaded
