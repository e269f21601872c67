"""People's accounts on in-memory fakes: opened when a space becomes active (holder and
representatives, never a minor), the one-time code (same silence whatever matched, its
validity, single use, the attempts' lock) and the password chosen with it."""

from datetime import date, timedelta

import pytest

from healthspace.accounts.accounts import (
    AccountCodeRefused,
    AccountRules,
    Accounts,
    PasswordPolicy,
    WeakPassword,
)
from healthspace.enrollment.codes import pseudonym
from healthspace.kernel.identifiers import make_ins
from tests.account_fakes import FakeAccountCodes, FakeCodeSender, FakeIdentityIndex, FakePool
from tests.unit.test_enrollment import CHILD, LETTER_ONLY, PARENT, PEPPER, World

PASSWORD = "Un-mot-de-passe-2027"


class Accounting(World):
    def __init__(self) -> None:
        super().__init__()
        self.pool = FakePool()
        self.codes = FakeAccountCodes()
        self.sender = FakeCodeSender()
        self.identities = FakeIdentityIndex()
        self.accounts = Accounts(
            enrollments=self.store,
            people=self.medical,
            codes=self.codes,
            directory=self.pool,
            sender=self.sender,
            identities=self.identities,
            pepper_source=PEPPER,
            clock=self.clock,
            ids=self.enrollments.ids,
            rules=AccountRules(),
        )

    def activate(self, citizen):
        self.enrollments.activate_early(citizen.ins, citizen.birth_date, self.code(citizen))
        return self.accounts.open_for_activation(citizen.ins)

    def account_code(self, citizen):
        return self.sender.sent[citizen.ins][0]


@pytest.fixture
def world():
    world = Accounting()
    world.enroll(PARENT, CHILD, LETTER_ONLY)
    return world


class TestOpening:
    def test_an_active_adult_gets_an_account_with_their_contact_and_the_history_says_so(
        self, world
    ):
        assert world.activate(PARENT) == 1
        assert world.pool.accounts == {PARENT.ins: PARENT.contact}
        assert [(e.ins, e.action, e.actor) for e in world.codes.log] == [
            (PARENT.ins, "ACCOUNT_OPENED", "system")
        ]

    def test_a_repeated_delivery_opens_nothing_twice(self, world):
        world.activate(PARENT)
        assert world.accounts.open_for_activation(PARENT.ins) == 0
        assert len(world.pool.accounts) == 1 and len(world.codes.log) == 1

    def test_a_childs_space_opens_its_representatives_account_not_the_childs(self, world):
        assert world.activate(CHILD) == 1
        assert set(world.pool.accounts) == {PARENT.ins}

    def test_a_pending_or_opposed_person_gets_no_account(self, world):
        assert world.accounts.open_for_activation(PARENT.ins) == 0
        world.enrollments.oppose(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        assert world.accounts.open_for_activation(PARENT.ins) == 0
        assert world.pool.accounts == {}

    def test_someone_without_email_or_phone_gets_an_account_too(self, world):
        assert world.activate(LETTER_ONLY) == 1
        assert world.pool.accounts[LETTER_ONLY.ins].address is not None

    def test_an_unknown_ins_opens_nothing(self, world):
        assert world.accounts.open_for_activation(make_ins("1990175999999")) == 0


class TestCode:
    def test_a_code_goes_to_the_known_channel_valid_a_day_by_email_a_month_by_letter(self, world):
        world.activate(PARENT)
        world.activate(LETTER_ONLY)
        world.accounts.request_code(PARENT.ins, PARENT.birth_date)
        world.accounts.request_code(LETTER_ONLY.ins, LETTER_ONLY.birth_date)
        now = world.clock.now()
        _, until, channel = world.sender.sent[PARENT.ins]
        assert (until - now, channel.value) == (timedelta(hours=24), "email")
        _, until, channel = world.sender.sent[LETTER_ONLY.ins]
        assert (until - now, channel.value) == (timedelta(days=30), "post")
        assert world.sender.flushed == 2  # the letter's batch handed over
        assert "ACCOUNT_CODE_SENT" in [e.action for e in world.codes.log]

    def test_only_a_digest_is_stored(self, world):
        world.activate(PARENT)
        world.accounts.request_code(PARENT.ins, PARENT.birth_date)
        code = world.account_code(PARENT)
        stored = world.codes.codes[PARENT.ins]
        assert code not in stored.model_dump_json() and code.replace("-", "") not in stored.digest
        assert "digest" not in stored.to_api()

    def test_an_account_that_failed_to_open_at_activation_opens_with_the_first_code(self, world):
        world.enrollments.activate_early(PARENT.ins, PARENT.birth_date, world.code(PARENT))
        world.accounts.request_code(PARENT.ins, PARENT.birth_date)
        assert PARENT.ins in world.pool.accounts and PARENT.ins in world.sender.sent

    @pytest.mark.parametrize("case", ["wrong birth date", "not active", "minor", "unknown", "bad"])
    def test_no_code_when_a_detail_does_not_hold_and_the_attempt_counts(self, world, case):
        world.activate(PARENT)
        world.activate(CHILD)
        ins, birth = PARENT.ins, PARENT.birth_date
        if case == "wrong birth date":
            birth = date(1981, 1, 1)
        elif case == "not active":
            ins, birth = LETTER_ONLY.ins, LETTER_ONLY.birth_date
        elif case == "minor":
            ins, birth = CHILD.ins, CHILD.birth_date
        elif case == "unknown":
            ins = make_ins("1990175999999")
        else:
            ins = "not an INS at all"
        world.accounts.request_code(ins, birth)
        assert world.sender.sent == {}
        if case != "bad":
            key = pseudonym(PEPPER, f"account:{ins}")
            assert world.store.attempts[key][0] == 1

    def test_a_representative_who_holds_no_space_of_their_own_gets_a_code(self, world):
        world.activate(CHILD)  # the parent's own enrollment is still pending
        world.accounts.request_code(PARENT.ins, PARENT.birth_date)
        assert PARENT.ins in world.sender.sent


class TestPassword:
    @pytest.fixture
    def asked(self, world):
        world.activate(PARENT)
        world.accounts.request_code(PARENT.ins, PARENT.birth_date)
        return world.account_code(PARENT)

    def test_the_code_sets_the_password_once_and_ends_every_other_session(self, world, asked):
        world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, PASSWORD)
        assert world.pool.passwords == {PARENT.ins: PASSWORD}
        assert world.pool.sign_outs == [PARENT.ins]
        assert world.codes.log[-1].action == "PASSWORD_SET"
        with pytest.raises(AccountCodeRefused):
            world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, "Another-one-2027")

    def test_the_code_may_be_typed_in_lower_case_without_dashes(self, world, asked):
        typed = asked.lower().replace("-", " ")
        world.accounts.set_password(PARENT.ins, PARENT.birth_date, typed, PASSWORD)
        assert world.pool.passwords[PARENT.ins] == PASSWORD

    def test_a_new_code_replaces_the_last(self, world, asked):
        world.accounts.request_code(PARENT.ins, PARENT.birth_date)
        with pytest.raises(AccountCodeRefused):
            world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, PASSWORD)
        latest = world.account_code(PARENT)
        world.accounts.set_password(PARENT.ins, PARENT.birth_date, latest, PASSWORD)

    def test_the_code_works_until_its_expiry_and_not_at_it(self, world, asked):
        world.clock.current = world.codes.codes[PARENT.ins].expires_at
        with pytest.raises(AccountCodeRefused):
            world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, PASSWORD)
        assert world.pool.passwords == {}

    def test_a_weak_password_is_refused_and_the_code_kept(self, world, asked):
        for weak in ("short-1A", "no-digits-at-all-Here", "ALL-UPPER-12345", " Spaced-out-2027 "):
            with pytest.raises(WeakPassword):
                world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, weak)
        with pytest.raises(WeakPassword):  # the pool's own refusal, after the domain's policy
            world.accounts.set_password(
                PARENT.ins, PARENT.birth_date, asked, "Refused-by-the-pool-1"
            )
        world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, PASSWORD)

    def test_five_wrong_codes_lock_even_the_right_one(self, world, asked):
        for _ in range(5):
            with pytest.raises(AccountCodeRefused):
                world.accounts.set_password(
                    PARENT.ins, PARENT.birth_date, "AAAA-BBBB-CCCC", PASSWORD
                )
        with pytest.raises(AccountCodeRefused):
            world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, PASSWORD)
        world.clock.advance(hours=1, seconds=1)
        world.accounts.set_password(PARENT.ins, PARENT.birth_date, asked, PASSWORD)

    def test_failed_account_codes_do_not_lock_the_enrollment_code(self, world):
        for _ in range(5):
            with pytest.raises(AccountCodeRefused):
                world.accounts.set_password(
                    LETTER_ONLY.ins, LETTER_ONLY.birth_date, "AAAA-BBBB-CCCC", PASSWORD
                )
        world.enrollments.oppose(LETTER_ONLY.ins, LETTER_ONLY.birth_date, world.code(LETTER_ONLY))

    def test_a_wrong_birth_date_is_refused_with_the_right_code(self, world, asked):
        with pytest.raises(AccountCodeRefused):
            world.accounts.set_password(PARENT.ins, date(1981, 1, 1), asked, PASSWORD)


def test_the_policy_names_what_is_missing():
    assert PasswordPolicy().problem("abcdefghijkl") == (
        "a password needs an upper-case letter, a digit"
    )
    assert PasswordPolicy().problem(PASSWORD) is None
