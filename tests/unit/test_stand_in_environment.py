"""The template's variables with stand-in values (tests/lambda_env.py, the cold-start bench)
must read as every settings class reads them: a typed setting added to the Globals without its
stand-in stops every function that loads it, in the tests that import handlers alone."""

from __future__ import annotations

import pytest

from healthspace.kernel import settings
from healthspace.kernel.settings import FromEnvironment, SettingsError
from tests.lambda_env import template_environment


def _every_settings_class() -> list[type[FromEnvironment]]:
    return [
        value
        for value in vars(settings).values()
        if isinstance(value, type)
        and issubclass(value, FromEnvironment)
        and value is not FromEnvironment
    ]


@pytest.mark.parametrize("kind", _every_settings_class(), ids=lambda kind: kind.__name__)
def test_the_stand_ins_read_as_each_setting_reads_them(kind: type[FromEnvironment]) -> None:
    # A function-specific variable outside the Globals may be unset; none may be malformed.
    refusal = ""
    try:
        kind.from_env(template_environment())
    except SettingsError as exc:
        refusal = str(exc)
    assert refusal == "" or "is not set" in refusal, refusal


def test_a_typed_setting_without_its_stand_in_is_caught() -> None:
    environment = {**template_environment(), "SUSPENSION_WAIT_SECONDS": "stand-in"}
    with pytest.raises(SettingsError, match="malformed"):
        settings.SuspensionSettings.from_env(environment)
