import pytest

from healthspace.kernel.errors import InvalidIdentifier
from healthspace.kernel.identifiers import make_ins, nir_key, parse_ins, parse_rpps, sex_of

NIR = "1850578006048"


def test_key_is_97_minus_nir_mod_97():
    assert nir_key(NIR) == 97 - 1850578006048 % 97


def test_corsica_departments_count_as_19_and_18():
    assert nir_key("185052A006048") == 97 - 1850519006048 % 97
    assert nir_key("185052B006048") == 97 - 1850518006048 % 97


@pytest.mark.parametrize("nir", [NIR, "2950699123456", "185052A006048", "185052B006048"])
def test_valid_ins_round_trips(nir):
    ins = make_ins(nir)
    assert parse_ins(ins) == ins
    assert parse_ins(ins.lower()) == ins.upper()
    assert parse_ins(f"{ins[:1]} {ins[1:3]} {ins[3:]}") == ins


@pytest.mark.parametrize(
    "value",
    [
        "",
        "123",
        make_ins(NIR)[:-2] + "00",  # wrong key
        "5" + make_ins(NIR)[1:],  # sex digit 5 does not exist
        make_ins("5" + NIR[1:]),  # the same with its right key: refused for the digit alone
        make_ins("6" + NIR[1:]),
        make_ins("9" + NIR[1:]),
        make_ins("0" + NIR[1:]),
        make_ins(NIR) + "\n",  # a whole-string match: no trailing newline
        make_ins(NIR).replace("5", "\u0665"),  # an Arabic-Indic five: ASCII digits only
        make_ins(NIR) + "1",
        "18505780060AB12",
        "185052C00604812",
    ],
)
def test_malformed_ins_is_refused(value):
    with pytest.raises(InvalidIdentifier):
        parse_ins(value)


def test_wrong_key_for_corsica_is_refused():
    ins = make_ins("185052A006048")
    wrong = ins[:-2] + f"{(int(ins[-2:]) + 1) % 97:02d}"
    with pytest.raises(InvalidIdentifier):
        parse_ins(wrong)


def test_rpps_luhn():
    assert parse_rpps("10000000009") == "10000000009"  # 9 + 1 = 10: Luhn-valid
    with pytest.raises(InvalidIdentifier):
        parse_rpps("10000000008")
    with pytest.raises(InvalidIdentifier):
        parse_rpps("1000000000")
    with pytest.raises(InvalidIdentifier):
        parse_rpps("1000000000a")


@pytest.mark.parametrize(
    "value",
    [
        "100000000008",  # 12 digits, Luhn-valid as a number: the pattern is anchored
        "10000000009a",
        "1000000000\u0669",  # an Arabic-Indic nine in the check digit's place
        "\uff11\uff10000000009",  # fullwidth digits
    ],
)
def test_malformed_rpps_is_refused(value):
    with pytest.raises(InvalidIdentifier):
        parse_rpps(value)


@pytest.mark.parametrize("parse", [parse_ins, parse_rpps])
@pytest.mark.parametrize("value", [None, 18505780060484, 10000000009])
def test_an_identifier_that_is_not_text_is_refused_not_a_crash(parse, value):
    """A JSON body may carry a number or null where an identifier belongs: a 400, not a 500."""
    with pytest.raises(InvalidIdentifier):
        parse(value)


def test_the_sex_an_ins_writes_is_its_first_digit():
    assert sex_of(make_ins("1790113045001")) == "M"
    assert sex_of(make_ins("2850675123456")) == "F"
    assert sex_of(make_ins("7790113045001")) == "M"  # a number given while registering
    assert sex_of(make_ins("8850675123456")) == "F"
