"""Mutation testing (`make mutation`): mutmut over the security-critical modules, unit tier.

Usage: python -m infra.mutation [--module NAME ...] [--jobs N] [--min-kill-rate PERCENT] [--report]

mutmut makes single changes to the code (a flipped comparison, a dropped call, a changed
constant) and runs, for each, the unit tests that reach the changed function; a mutant that no
test fails on survives. The files come from pyproject.toml ([tool.mutmut] only_mutate); of
enrollments.py only the lock-out (LOCK_OUT below). Every run starts afresh: mutants, and which
tests reach which function, are made again, so a test added since counts.

mutmut names a module by its file's path (less a leading `src/`) and imports the mutated copy
from mutants/src. The run therefore happens in .mutation/ (git-ignored), where src/ links to
layers/shared; its other links give the copied tests what they read beside the repository.

Prints the kill rate (per module and in all) and every mutant not killed, with its file, line
and change; mutants listed in EQUIVALENT (no behaviour can tell them apart) are counted apart.
Exits non-zero below --min-kill-rate (default 90).
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKDIR = ROOT / ".mutation"
MUTMUT = Path(sys.executable).parent / "mutmut"
# The run directory's links: mutmut's `src`, its config, the tests, and what the copied tests
# read relative to themselves (docs/, and the FHIR examples in ../shared beside the repository).
LINKS = {
    "src": "../layers/shared",
    "pyproject.toml": "../pyproject.toml",
    "tests": "../tests",
    "docs": "../docs",
    "shared": "../../shared",
}
# The lock-out of enrollments.py: attempts taken and given back, the checks of a code and of a
# lost code's second factor. The rest of the file (waves, notification) is not security logic.
LOCK_OUT = (
    "xǁEnrollmentsǁ_verify",
    "xǁEnrollmentsǁ_take_attempt",
    "xǁEnrollmentsǁreissue_code",
    "x__second_factor_matches",
)
FUNCTIONS = {"healthspace.enrollment.enrollments": LOCK_OUT}

# Mutants that change no behaviour, by (module, function, the line as it was, the line as
# mutated): a reason each. Keyed by the change, not mutmut's numbers, which shift with any edit
# of the function; an entry whose line changed matches nothing and its mutant is listed again.
EQUIVALENT: dict[tuple[str, str, str, str], str] = {
    (
        "healthspace.care.rules",
        "x__changed",
        'raise BadRequest(f"{where}: {first[\'msg\']}" if where else first["msg"]) from None',
        "raise BadRequest(f\"{where}: {first['msg']}\" if (where) or"
        ' True else first["msg"]) from None',
    ): "unreachable: every bound of the care record is a field's, so `where` is never empty",
    (
        "healthspace.care.rules",
        "x__changed",
        'raise BadRequest(f"{where}: {first[\'msg\']}" if where else first["msg"]) from None',
        'raise BadRequest(f"{where}: {first[\'msg\']}" if where else first["XXmsgXX"]) from None',
    ): "unreachable: no model-level validator on the care record, so `where` is never empty",
    (
        "healthspace.care.rules",
        "x__changed",
        'raise BadRequest(f"{where}: {first[\'msg\']}" if where else first["msg"]) from None',
        'raise BadRequest(f"{where}: {first[\'msg\']}" if where else first["MSG"]) from None',
    ): "unreachable: no model-level validator on the care record, so `where` is never empty",
    (
        "healthspace.care.rules",
        "x__changed",
        "first = exc.errors(include_input=False)[0]",
        "first = exc.errors(include_input=True)[0]",
    ): "only `loc` and `msg` of the error are read; the input it would add is dropped",
    (
        "healthspace.care.rules",
        "x_decide_space_access",
        "return _allowed(professional, Relationship.EMERGENCY, EVERY_KIND, reason)",
        "return _allowed(professional, Relationship.EMERGENCY, None, reason)",
    ): "_allowed reads a scope that is not a set of kinds as every kind",
    (
        "healthspace.care.access",
        "xǁProfessionalAccessǁrefusal_at_filing",
        "professional, record.settings, record.team, self.clock.now(), None )",
        "professional, record.settings, record.team, self.clock.now(), )",
    ): "None is the parameter's default",
    (
        "healthspace.care.access",
        "xǁProfessionalAccessǁrefusal_at_filing",
        "if upload.uploader_role is not Role.PROFESSIONAL or rpps is None or code is None:",
        "if upload.uploader_role is not Role.PROFESSIONAL and rpps is None or code is None:",
    ): "a patient's upload has no RPPS, so both readings skip it alike",
    (
        "healthspace.records.access",
        "xǁAccessPolicyǁresolve",
        "role = person.spaces.get(target) if target else None",
        "role = person.spaces.get(target) if (target) or True else None",
    ): "no space id is None: person.spaces.get(None) is None, the same NotFound",
    (
        "healthspace.partners.signatures",
        "x__check_digest",
        "raise refused(Refusal.COVERAGE)",
        "raise refused(None)",
    ): "unreachable: _read_signature requires content-digest's coverage first",
    (
        "healthspace.partners.signatures",
        "x__check_digest_field",
        'if "content-digest" not in fields:',
        'if "CONTENT-DIGEST" not in fields:',
    ): "fields is case-insensitive (the library's CaseInsensitiveDict of header fields)",
    (
        "healthspace.partners.signatures",
        "x__check_digest_field",
        'digests = _parse_dictionary(fields["content-digest"])',
        'digests = _parse_dictionary(fields["CONTENT-DIGEST"])',
    ): "fields is case-insensitive (the library's CaseInsensitiveDict of header fields)",
    (
        "healthspace.partners.signatures",
        "x__parse_dictionary",
        "raise ValueError(name)",
        "raise ValueError(None)",
    ): "the ValueError is caught at once and its text never read",
    (
        "healthspace.partners.signatures",
        "x__parse_dictionary",
        "raise refused(Refusal.MALFORMED)",
        "raise refused(None)",
    ): "unreachable: http_sf parses a dictionary into a dict or raises",
    (
        "healthspace.partners.signatures",
        "x__read_signature",
        'inputs = _parse_dictionary(fields["signature-input"])',
        'inputs = _parse_dictionary(fields["SIGNATURE-INPUT"])',
    ): "fields is case-insensitive (the library's CaseInsensitiveDict of header fields)",
    (
        "healthspace.partners.signatures",
        "x__read_signature",
        'signatures = _parse_dictionary(fields["signature"])',
        'signatures = _parse_dictionary(fields["SIGNATURE"])',
    ): "fields is case-insensitive (the library's CaseInsensitiveDict of header fields)",
    (
        "healthspace.partners.signatures",
        "x__read_signature",
        'if "signature-input" not in fields or "signature" not in fields:',
        'if "SIGNATURE-INPUT" not in fields or "signature" not in fields:',
    ): "fields is case-insensitive (the library's CaseInsensitiveDict of header fields)",
    (
        "healthspace.partners.signatures",
        "x__read_signature",
        'if "signature-input" not in fields or "signature" not in fields:',
        'if "signature-input" not in fields or "SIGNATURE" not in fields:',
    ): "fields is case-insensitive (the library's CaseInsensitiveDict of header fields)",
    (
        "healthspace.partners.signatures",
        "x__repeated",
        "raise ValueError(name)  # a repeated parameter would otherwise keep its last value",
        "raise ValueError(None)  # a repeated parameter would otherwise keep its last value",
    ): "the ValueError is caught at once and its text never read",
    (
        "healthspace.partners.signatures",
        "x__verify_signature",
        "results = verifier.verify(request, max_age=None, require_components=required)",
        "results = verifier.verify(request, require_components=required)",
    ): "our validate_created_and_expires replaces the library's and ignores max_age",
    (
        "healthspace.partners.signatures",
        "x__verify_signature",
        "results = verifier.verify(request, max_age=None, require_components=required)",
        "results = verifier.verify(request, max_age=None, )",
    ): "_read_signature refused a signature missing a required component before",
    (
        "healthspace.partners.signatures",
        "x__verify_signature",
        "raise refused(Refusal.MULTIPLE_SIGNATURES)",
        "raise refused(None)",
    ): "unreachable: exactly one signature passed _read_signature",
    (
        "healthspace.partners.signatures",
        "x_verify_request",
        'if result.parameters.get("keyid") != key.key_id or result.nonce != signature.nonce:',
        'if result.parameters.get("keyid") != key.key_id and result.nonce != signature.nonce:',
    ): "unreachable: both sides read the same field with the same parser",
    (
        "healthspace.partners.signatures",
        "x_verify_request",
        "raise refused(Refusal.MALFORMED)  # never: both read the same field with the same parser",
        "raise refused(None)  # never: both read the same field with the same parser",
    ): "unreachable: both sides read the same field with the same parser",
    (
        "healthspace.partners.signatures",
        "xǁ_OneKeyǁresolve_public_key",
        "return self._key if key_id == self._key_id else None",
        "return self._key if (key_id == self._key_id) or True else None",
    ): "the library asks only for the signature's key id, the one key read",
    (
        "healthspace.partners.signatures",
        "xǁ_Verifierǁvalidate_created_and_expires",
        "raise refused(Refusal.MISSING_PARAMETER)",
        "raise refused(None)",
    ): "unreachable: _read_signature checked both are integers",
    (
        "healthspace.partners.signatures",
        "xǁ_Verifierǁvalidate_created_and_expires",
        "if type(created) is not int or type(expires) is not int:",
        "if type(created) is not int and type(expires) is not int:",
    ): "unreachable: _read_signature checked both are integers",
    (
        "healthspace.enrollment.codes",
        "x_code_matches",
        'return hmac.compare_digest(candidate, digest or "0" *'
        " len(candidate)) and digest is not None",
        'return hmac.compare_digest(candidate, digest or "XX0XX" *'
        " len(candidate)) and digest is not None",
    ): "`and digest is not None` makes an unknown person's answer False whatever the stand-in",
    (
        "healthspace.enrollment.codes",
        "x_code_matches",
        'normalized = normalize_code(code) or "0" * CODE_LENGTH',
        'normalized = normalize_code(code) or "XX0XX" * CODE_LENGTH',
    ): "the stand-in of a malformed code only costs the same work; no stored digest is of either",
    (
        "healthspace.kernel.identifiers",
        "x__luhn_ok",
        "total += digit",
        "total -= digit",
    ): "-sum is a multiple of ten exactly when sum is",
    (
        "healthspace.kernel.identifiers",
        "x_parse_ins",
        'ins = value.replace(" ", "").upper() if isinstance(value, str) else ""',
        'ins = value.replace(" ", "").upper() if isinstance(value, str) else "XXXX"',
    ): "a non-text value becomes another text the pattern refuses: the same InvalidIdentifier",
    (
        "healthspace.kernel.identifiers",
        "x_parse_rpps",
        'rpps = value.strip() if isinstance(value, str) else ""',
        'rpps = value.strip() if isinstance(value, str) else "XXXX"',
    ): "a non-text value becomes another text the pattern refuses: the same InvalidIdentifier",
}

DETECTED = frozenset({"killed", "timeout", "caught by type check"})
PROGRESS_EVERY_SECONDS = 60


@dataclass(frozen=True)
class Target:
    module: str  # healthspace.kernel.crypto
    path: Path  # src/healthspace/kernel/crypto.py, under WORKDIR
    functions: tuple[str, ...] | None  # mangled names; None: every function

    def patterns(self) -> list[str]:
        if self.functions is None:
            return [f"{self.module}.*"]
        return [f"{self.module}.{name}__mutmut_*" for name in self.functions]

    def covers(self, mutant: str) -> bool:
        return any(fnmatch.fnmatchcase(mutant, pattern) for pattern in self.patterns())


@dataclass(frozen=True)
class Mutant:
    name: str
    status: str
    target: Target
    line: int | None = None
    removed: str = ""
    added: str = ""

    @property
    def function(self) -> str:
        return self.name.rpartition(".")[2].partition("__mutmut_")[0]

    @property
    def equivalence(self) -> str | None:
        key = (self.target.module, self.function, self.removed, self.added)
        return EQUIVALENT.get(key)


def targets() -> list[Target]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["mutmut"]
    found = []
    for path in config["only_mutate"]:
        module = path.removeprefix("src/").removesuffix(".py").replace("/", ".")
        found.append(Target(module, Path(path), FUNCTIONS.get(module)))
    return found


def prepare() -> None:
    WORKDIR.mkdir(exist_ok=True)
    for name, target in LINKS.items():
        link = WORKDIR / name
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)
    # Afresh: no result, and no record of which tests reach which function, from an earlier run.
    shutil.rmtree(WORKDIR / "mutants", ignore_errors=True)


def run_mutmut(chosen: list[Target], jobs: int) -> None:
    patterns = [pattern for target in chosen for pattern in target.patterns()]
    command = [str(MUTMUT), "run", "--max-children", str(jobs), *patterns]
    # infra/ and functions/ (which some tests import) from the repository; healthspace only
    # from mutants/src, which mutmut puts first (layers/shared is not on the path).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log_path = WORKDIR / "mutmut.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our own venv's mutmut, fixed arguments
            command, cwd=WORKDIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
        )
        output = process.stdout
        assert output is not None
        last_progress, last_print = "", time.monotonic()
        while chunk := output.read1(4096):  # type: ignore[attr-defined]
            log.write(chunk)
            for part in re.split(r"[\r\n]", chunk.decode(errors="replace")):
                if re.search(r"\d+/\d+", part):
                    last_progress = part.strip()
            if last_progress and time.monotonic() - last_print >= PROGRESS_EVERY_SECONDS:
                print(f"  {last_progress}", flush=True)
                last_print = time.monotonic()
    if process.wait() != 0:
        tail = log_path.read_text(errors="replace")[-3000:]
        sys.exit(f"mutmut failed (exit {process.returncode}); {log_path}:\n{tail}")


def results(chosen: list[Target]) -> list[Mutant]:
    from mutmut.stats import status_by_exit_code  # the pinned mutmut's own reading

    mutants = []
    for target in chosen:
        meta = json.loads((WORKDIR / "mutants" / f"{target.path}.meta").read_text())
        for name, exit_code in sorted(meta["exit_code_by_key"].items()):
            if target.covers(name):
                mutants.append(Mutant(name, status_by_exit_code[exit_code], target))
    return mutants


_HUNK = re.compile(r"^@@ -(\d+)")


def described(mutant: Mutant) -> Mutant:
    """The mutant's line in the file and its change, from mutmut's diff of the function."""
    from mutmut.mutation.diff_apply import get_diff_for_mutant  # what `mutmut show` prints

    removed, added, offset, first_removed_at = [], [], 0, None
    for line in get_diff_for_mutant(mutant.name, path=mutant.target.path).splitlines():
        if match := _HUNK.match(line):
            offset = int(match.group(1)) - 1
        elif line.startswith("+") and not line.startswith("+++"):
            added.append(line[1:].strip())
        elif line.startswith("-") and not line.startswith("---"):
            first_removed_at = offset if first_removed_at is None else first_removed_at
            removed.append(line[1:].strip())
            offset += 1
        elif line.startswith(" "):
            offset += 1
    source = (ROOT / "layers/shared" / mutant.target.path.relative_to("src")).read_text()
    at = _line_in_file(source.splitlines(), mutant.function, removed, first_removed_at)
    return Mutant(mutant.name, mutant.status, mutant.target, at, " ".join(removed), " ".join(added))


def _line_in_file(
    lines: list[str], function: str, removed: list[str], offset: int | None
) -> int | None:
    """The file's line of the first changed line: the one with its text nearest to where the
    function starts plus the diff's offset (the function's text may begin at a comment)."""
    if not removed:
        return None
    name = function.rpartition("ǁ")[2] if "ǁ" in function else function.removeprefix("x_")
    starts = [
        n
        for n, text in enumerate(lines)
        if re.match(rf"\s*(async\s+)?def {re.escape(name)}\(", text)
    ]
    matches = [n for n, text in enumerate(lines) if text.strip() == removed[0]]
    if not matches:
        return None
    guess = (starts[0] if starts else 0) + (offset or 0)
    return min(matches, key=lambda n: abs(n - guess)) + 1


def report(mutants: list[Mutant], seconds: float, jobs: int) -> float:
    """Print the figures and the mutants not killed; return the kill rate (percent)."""
    by_module: dict[str, Counter[str]] = {}
    for mutant in mutants:
        by_module.setdefault(mutant.target.module, Counter())[_verdict(mutant)] += 1
    print(f"\n{'module':<40} {'mutants':>8} {'killed':>7} {'equiv.':>7} {'not':>5} {'rate':>7}")
    totals: Counter[str] = Counter()
    for module, counts in by_module.items():
        totals.update(counts)
        print(_row(module, counts))
    print(_row("all", totals))
    rate, total = _rate(totals), sum(totals.values())
    raw = 100.0 * totals["killed"] / total if total else 100.0
    minutes, secs = divmod(round(seconds), 60)
    took = f" in {minutes} min {secs:02d} s with {jobs} workers" if seconds >= 1 else ""
    print(
        f"\nkill rate {rate:.1f} %: {totals['killed']} of {totals['killed'] + totals['not']} "
        f"mutants that change behaviour ({raw:.1f} % of all {total}){took}"
    )
    undetected = [m for m in mutants if _verdict(m) != "killed"]
    if undetected:
        print("\nNot killed (file:line, status, mutant; - the line, + the mutation):")
    for mutant in undetected:
        where = f"{mutant.target.path.relative_to('src')}:{mutant.line or '?'}"
        status = "equivalent" if mutant.equivalence else mutant.status
        print(f"{where}  {status}  {mutant.name.rpartition('.')[2]}")
        print(f"    - {mutant.removed}\n    + {mutant.added}")
        if mutant.equivalence:
            print(f"    why equivalent: {mutant.equivalence}")
    return rate


def _verdict(mutant: Mutant) -> str:
    if mutant.status in DETECTED:
        return "killed"
    return "equivalent" if mutant.equivalence else "not"


def _rate(counts: Counter[str]) -> float:
    counted = counts["killed"] + counts["not"]
    return 100.0 * counts["killed"] / counted if counted else 100.0


def _row(module: str, counts: Counter[str]) -> str:
    total = sum(counts.values())
    return (
        f"{module:<40} {total:>8} {counts['killed']:>7} {counts['equivalent']:>7} "
        f"{counts['not']:>5} {_rate(counts):>6.1f}%"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--module",
        action="append",
        help="only this module (e.g. kernel.crypto); repeatable. Default: all of them",
    )
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--min-kill-rate", type=float, default=90.0)
    parser.add_argument("--report", action="store_true", help="only report the last run")
    args = parser.parse_args(argv)
    chosen = targets()
    if args.module:
        wanted = {m.removeprefix("healthspace.") for m in args.module}
        chosen = [t for t in chosen if t.module.removeprefix("healthspace.") in wanted]
        unknown = wanted - {t.module.removeprefix("healthspace.") for t in chosen}
        if unknown:
            parser.error(f"not a mutated module: {', '.join(sorted(unknown))}")
    started = time.monotonic()
    if not args.report:
        prepare()
        print(f"mutmut over {', '.join(t.module for t in chosen)}; log: .mutation/mutmut.log")
        run_mutmut(chosen, args.jobs)
    seconds = time.monotonic() - started
    os.chdir(WORKDIR)  # mutmut reads its mutants relative to the working directory
    mutants = [m if m.status in DETECTED else described(m) for m in results(chosen)]
    rate = report(mutants, seconds, args.jobs)
    return 0 if rate >= args.min_kill_rate else 1


if __name__ == "__main__":
    sys.exit(main())
