"""Loading a function's module as Lambda would, with the template's variables set: a function
checks its settings when it loads, so a test of a handler alone gives it an environment."""

from __future__ import annotations

import importlib
import os
from types import ModuleType
from unittest import mock

from healthspace import wiring
from infra.local.template import load_template

# Values the settings must be able to read; the others only need to be present.
_TYPED = {"ENROLLMENT_WINDOW": "P42D", "MAX_UPLOAD_BYTES": "20971520", "LETTERS_PER_BATCH": "1000"}


def template_environment() -> dict[str, str]:
    """Every variable of the template's Globals, with a stand-in value."""
    names = load_template().globals["Function"]["Environment"]["Variables"]
    return {name: _TYPED.get(name, f"test-{name.lower()}") for name in names}


def import_function(module: str) -> ModuleType:
    with mock.patch.dict(os.environ, {**template_environment(), **os.environ}):
        loaded = importlib.import_module(module)
    wiring.forget()  # what it wired under stand-in values must not serve another test
    return loaded
