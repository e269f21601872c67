"""What `sam build` produced, checked against the Lambda the template declares.

Usage: python -m infra.lambda_artifacts [BUILD_DIR]   (default .aws-sam/build; `make build`
builds and runs it, and so does `make validate`, as its sam-build step)

The layer is built on whatever machine runs the build (infra/sam/Makefile: pip with Lambda's
platform), so nothing here trusts the machine; each function's Runtime and Architectures in
the built template say what its code and layers must be:

1. every distribution in a layer was installed from a wheel whose tags that runtime loads
   (CPython 3.12 on manylinux aarch64 up to Amazon Linux 2023's glibc 2.34, or pure Python);
2. every shared object is an ELF for that machine, and every extension module is named for
   that interpreter (an x86_64 or cp311 build is refused, whatever its wheel said);
3. the layout is Lambda's: the handler is at the root of the function's code, each layer under
   python/ (what Lambda mounts as /opt/python), and every top-level module our code imports
   (the function's and the layer's own packages) is there, or in the standard library; the
   function's code holds only itself (nothing that would shadow a layer);
4. each function's unzipped size with its layers, as a table, within Lambda's 250 MB.

Importing the layer here would prove nothing for arm64 (this interpreter cannot load its
aarch64 extension modules, and would load its pure Python on 3.11): the tags and ELF headers are
the proof.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.tags import Tag, compatible_tags, cpython_tags, parse_tag

from infra.local.template import Template, load_template

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUILD_DIR = ROOT / ".aws-sam" / "build"

# Lambda's quota: "250 MB" unzipped, the function's code and all its layers; 250 MiB in bytes.
UNZIPPED_LIMIT_BYTES = 262_144_000
MIB = 2**20

# The Lambda OS under each Python runtime: Amazon Linux 2023 (glibc 2.34) from python3.12 on.
_AL2023_GLIBC = (2, 34)
_AL2_GLIBC = (2, 26)
_MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}
# ELF e_machine values (System V ABI).
_ELF_MACHINES = {"aarch64": 183, "x86_64": 62}
_ELF_MAGIC = b"\x7fELF"
# Gone from the standard library in 3.12 (PEP 594, PEP 632), still in this 3.11's list.
_REMOVED_IN_312 = frozenset({"asynchat", "asyncore", "distutils", "imp", "smtpd"})
_EXTENSION_MODULE = re.compile(r"\.cpython-(\d+)-([a-z0-9_]+)-linux-gnu\.so$")
_RUNTIME = re.compile(r"python3\.(\d+)")
# The layer's python/ is what Lambda puts on sys.path as /opt/python.
LAYER_PYTHON_DIR = "python"


class ArtifactError(ValueError):
    """The built template names something these checks cannot follow."""


@dataclass(frozen=True)
class Target:
    """What a function's code must run on: its runtime's interpreter, OS and machine."""

    runtime: str
    python: tuple[int, int]
    machine: str
    glibc: tuple[int, int]

    @classmethod
    def of(cls, runtime: str, architecture: str) -> Target:
        match = _RUNTIME.fullmatch(runtime)
        if not match or architecture not in _MACHINES:
            raise ArtifactError(f"{runtime} on {architecture}: not a Python runtime these check")
        minor = int(match.group(1))
        glibc = _AL2023_GLIBC if minor >= 12 else _AL2_GLIBC
        return cls(runtime, (3, minor), _MACHINES[architecture], glibc)

    @property
    def name(self) -> str:
        return f"{self.runtime} {self.machine}"

    @property
    def platforms(self) -> list[str]:
        """manylinux platforms the OS runs, newest first (manylinux2014 is glibc 2.17)."""
        newest, oldest = self.glibc[1], 17
        tags = [f"manylinux_2_{minor}_{self.machine}" for minor in range(newest, oldest - 1, -1)]
        return [*tags, f"manylinux2014_{self.machine}"]

    @property
    def wheel_tags(self) -> frozenset[Tag]:
        interpreter = f"cp{self.python[0]}{self.python[1]}"
        return frozenset(
            [
                *cpython_tags(self.python, abis=[interpreter], platforms=self.platforms),
                *compatible_tags(self.python, interpreter=interpreter, platforms=self.platforms),
            ]
        )

    @property
    def extension_suffix(self) -> str:
        return f".cpython-{self.python[0]}{self.python[1]}-{self.machine}-linux-gnu.so"

    @property
    def stdlib(self) -> frozenset[str]:
        removed = _REMOVED_IN_312 if self.python >= (3, 12) else frozenset()
        return frozenset(sys.stdlib_module_names) - removed


@dataclass(frozen=True)
class Function:
    logical_id: str
    code_dir: Path
    handler: str
    target: Target
    layers: tuple[Path, ...]


@dataclass(frozen=True)
class Report:
    problems: list[str]
    table: str

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def text(self) -> str:
        verdict = (
            ["every function is built for the Lambda it declares"]
            if self.ok
            else [f"{len(self.problems)} problem(s):", *(f"  {p}" for p in self.problems)]
        )
        return "\n".join([self.table, *verdict])


# ---------------------------------------------------------------------------- the template


def functions_of(build_dir: Path) -> list[Function]:
    """The built template's functions, each with its code's and layers' built directories."""
    template = load_template(build_dir / "template.yaml")
    return [
        _function(template, build_dir, resource.logical_id)
        for resource in template.of_type("AWS::Serverless::Function")
    ]


def _function(template: Template, build_dir: Path, logical_id: str) -> Function:
    props = template.properties(logical_id)
    architectures = props.get("Architectures") or ["x86_64"]  # Lambda's default
    layers = []
    for layer in props.get("Layers") or []:
        name = layer.get("Ref") if isinstance(layer, dict) else None
        resource = template.resources.get(str(name))
        if resource is None or resource.type != "AWS::Serverless::LayerVersion":
            raise ArtifactError(f"{logical_id}: layer {layer!r} is not built from this template")
        layers.append(build_dir / str(resource.properties["ContentUri"]))
    return Function(
        logical_id=logical_id,
        code_dir=build_dir / str(props["CodeUri"]),
        handler=str(props["Handler"]),
        target=Target.of(str(props["Runtime"]), str(architectures[0])),
        layers=tuple(layers),
    )


# ---------------------------------------------------------------------------- 1. wheel tags


def wheel_problems(site: Path, target: Target) -> list[str]:
    """Distributions installed in `site` (pip --target) that the target cannot load."""
    problems = []
    allowed = target.wheel_tags
    for dist_info in sorted(site.glob("*.dist-info")):
        wheel = dist_info / "WHEEL"
        if not wheel.is_file():
            problems.append(f"{dist_info.name}: not installed from a wheel (no WHEEL file)")
            continue
        tags = {
            tag
            for line in wheel.read_text(encoding="utf-8").splitlines()
            if line.startswith("Tag:")
            for tag in parse_tag(line.removeprefix("Tag:").strip())
        }
        if not tags & allowed:
            listed = ", ".join(sorted(str(tag) for tag in tags)) or "none"
            problems.append(f"{dist_info.name}: wheel tags {listed}; {target.name} loads none")
    return problems


# ---------------------------------------------------------------------------- 2. ELF headers


def elf_machine(path: Path) -> int | None:
    """The ELF e_machine of a 64-bit little-endian ELF file, None if it is not one."""
    with path.open("rb") as file:
        header = file.read(20)
    # e_ident: magic, EI_CLASS 2 (64-bit), EI_DATA 1 (little-endian); e_machine at offset 18.
    if len(header) < 20 or header[:4] != _ELF_MAGIC or header[4] != 2 or header[5] != 1:
        return None
    return int.from_bytes(header[18:20], "little")


def _shared_objects(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.so*")):
        if path.is_file() and (path.suffix == ".so" or ".so." in path.name):
            yield path


def binary_problems(root: Path, target: Target) -> list[str]:
    """Shared objects under `root` built for another machine or interpreter."""
    problems = []
    expected = _ELF_MACHINES[target.machine]
    for path in _shared_objects(root):
        name = path.relative_to(root)
        machine = elf_machine(path)
        if machine != expected:
            found = {v: k for k, v in _ELF_MACHINES.items()}.get(machine or -1, machine)
            what = "not a 64-bit little-endian ELF" if machine is None else f"ELF for {found}"
            problems.append(f"{name}: {what}, {target.name} needs ELF for {target.machine}")
        elif _EXTENSION_MODULE.search(path.name) and not path.name.endswith(
            target.extension_suffix
        ):
            problems.append(
                f"{name}: an extension module for another interpreter than {target.name}"
            )
    return problems


# ---------------------------------------------------------------------------- 3. layout, imports


def _installed_names(site: Path) -> set[str]:
    """Top-level entries of `site` that pip installed (listed in a distribution's RECORD)."""
    names = set()
    for record in site.glob("*.dist-info/RECORD"):
        for line in record.read_text(encoding="utf-8").splitlines():
            if line:
                names.add(line.split(",", 1)[0].split("/", 1)[0])
    return names


def own_sources(site: Path) -> list[Path]:
    """The Python files of a layer that pip did not install: ours."""
    installed = _installed_names(site)
    return [
        path
        for entry in sorted(site.iterdir())
        if entry.name not in installed and not entry.name.endswith(".dist-info")
        for path in ([entry] if entry.suffix == ".py" else sorted(entry.rglob("*.py")))
    ]


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(source: str) -> set[str]:
    """Top-level names of the absolute imports a module runs (not those for type checkers)."""
    names: set[str] = set()

    def visit(nodes: Iterable[ast.stmt | ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.orelse)
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
            visit(ast.iter_child_nodes(node))

    visit(ast.parse(source).body)
    return names


def _finds(directory: Path, module: str, target: Target) -> bool:
    return (
        (directory / module).is_dir()
        or (directory / f"{module}.py").is_file()
        or (directory / f"{module}{target.extension_suffix}").is_file()
        or (directory / f"{module}.abi3.so").is_file()
    )


def _defines(source: str, name: str) -> bool:
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return True
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(t, ast.Name) and t.id == name for t in targets):
            return True
    return False


_NOT_FOUND = "found neither in its code nor in its layers"


def unresolved_imports(source: Path, path: list[Path], target: Target) -> list[str]:
    """The top-level modules `source` imports that are neither on `path` nor in the stdlib."""
    return [
        name
        for name in sorted(imported_modules(source.read_text(encoding="utf-8")))
        if name not in target.stdlib and not any(_finds(d, name, target) for d in path)
    ]


def layer_import_problems(site: Path, target: Target) -> list[str]:
    """Imports of the layer's own packages that the layer cannot satisfy."""
    return [
        f"{source.relative_to(site)} imports {name}, which the layer does not hold"
        for source in own_sources(site)
        for name in unresolved_imports(source, [site], target)
    ]


def layout_problems(function: Function) -> list[str]:
    """Lambda's layout: the handler at the code's root, layers under python/, every import of
    our code found on Lambda's path (the code, then /opt/python), the code only ours."""
    lid, code = function.logical_id, function.code_dir
    module, _, attribute = function.handler.rpartition(".")
    handler_file = code / f"{module.replace('.', '/')}.py"
    if not handler_file.is_file():
        return [f"{lid}: no {handler_file.name} at the root of its code for {function.handler}"]
    problems = []
    if not _defines(handler_file.read_text(encoding="utf-8"), attribute):
        problems.append(f"{lid}: {handler_file.name} defines no {attribute}")
    sites = []
    for layer in function.layers:
        site = layer / LAYER_PYTHON_DIR
        if site.is_dir():
            sites.append(site)
        else:
            problems.append(f"{lid}: layer {layer.name} has no {LAYER_PYTHON_DIR}/ (/opt/python)")
    for site in sites:
        shadowing = sorted({p.name for p in code.iterdir()} & {p.name for p in site.iterdir()})
        if shadowing:
            held = ", ".join(shadowing)
            problems.append(f"{lid}: its code holds {held}, which layer {site.parent.name} has")
    # Lambda's sys.path: the function's code, then /opt/python (the runtime's own boto3 comes
    # after it: the layer ships its own).
    for source in sorted(code.rglob("*.py")):
        missing = unresolved_imports(source, [code, *sites], function.target)
        problems += [
            f"{lid}: {source.relative_to(code)} imports {name}, {_NOT_FOUND}" for name in missing
        ]
    return problems


# ---------------------------------------------------------------------------- 4. sizes


def tree_bytes(root: Path) -> int:
    """Unzipped size: the files' own sizes."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def size_table(functions: list[Function]) -> tuple[str, list[str]]:
    sizes: dict[Path, int] = {}
    rows, problems = [], []
    for function in sorted(functions, key=lambda f: f.logical_id):
        for directory in (function.code_dir, *function.layers):
            sizes.setdefault(directory, tree_bytes(directory))
        code = sizes[function.code_dir]
        layers = sum(sizes[layer] for layer in function.layers)
        total = code + layers
        share = total / UNZIPPED_LIMIT_BYTES
        rows.append(
            f"| {function.logical_id} | {code / 1024:,.1f} KiB | {layers / MIB:,.1f} MiB "
            f"| {total / MIB:,.1f} MiB | {share:.0%} |"
        )
        if total > UNZIPPED_LIMIT_BYTES:
            problems.append(
                f"{function.logical_id}: {total:,} bytes unzipped with its layers, past "
                f"Lambda's {UNZIPPED_LIMIT_BYTES:,} (250 MB)"
            )
    header = [
        "| function | code | layers | unzipped total | of Lambda's 250 MB |",
        "|---|---|---|---|---|",
    ]
    return "\n".join([*header, *rows]), problems


# ---------------------------------------------------------------------------- all of it


def check_build(build_dir: Path) -> Report:
    if not (build_dir / "template.yaml").is_file():
        return Report([f"no built template in {build_dir}: run `make build`"], "")
    try:
        functions = functions_of(build_dir)
    except ArtifactError as error:
        return Report([str(error)], "")
    problems: list[str] = []
    checked: set[tuple[Path, Target]] = set()
    for function in functions:
        for directory in (function.code_dir, *function.layers):
            if not directory.is_dir():
                problems.append(f"{function.logical_id}: {directory} was not built")
                continue
            if (directory, function.target) in checked:
                continue
            checked.add((directory, function.target))
            site = directory / LAYER_PYTHON_DIR
            if directory in function.layers and site.is_dir():
                problems += [
                    f"{directory.name}: {p}"
                    for p in wheel_problems(site, function.target)
                    + layer_import_problems(site, function.target)
                ]
            problems += [
                f"{directory.name}: {p}" for p in binary_problems(directory, function.target)
            ]
        if function.code_dir.is_dir():
            problems += layout_problems(function)
    table, too_large = size_table([f for f in functions if f.code_dir.is_dir()])
    return Report(problems + too_large, table)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    build_dir = Path(args[0]) if args else DEFAULT_BUILD_DIR
    report = check_build(build_dir.resolve())
    print(report.text)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
