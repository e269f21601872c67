"""template.yaml as the local stack sees it: CloudFormation YAML, SAM Globals, intrinsics.

The local stack never restates a resource: it loads the template, merges SAM Globals into each
serverless resource, orders resources by their references, and resolves the intrinsic functions
(!Ref, !Sub, !GetAtt, !Join, !Select, !Split) against the physical ids of what it created.
Conditions are evaluated as CloudFormation does, from the parameters (!Equals, !Not, !And, !Or,
!Condition): a resource whose Condition is false is not created, and !If picks its branch.
Any other intrinsic fails loudly: failing beats guessing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

STACK_NAME = "healthspace-local"
ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "eu-west-3"
PARTITION = "aws"

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_TEMPLATE = REPO_ROOT / "template.yaml"

# SAM Globals section -> the resource type it applies to.
_GLOBALS_SECTIONS = {
    "Function": "AWS::Serverless::Function",
    "Api": "AWS::Serverless::Api",
    "HttpApi": "AWS::Serverless::HttpApi",
    "SimpleTable": "AWS::Serverless::SimpleTable",
    "StateMachine": "AWS::Serverless::StateMachine",
    "LayerVersion": "AWS::Serverless::LayerVersion",
}
_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class TemplateError(ValueError):
    """The template uses something the local stack cannot resolve."""


class _NoValue:
    """AWS::NoValue: the property is removed, as CloudFormation does."""


NO_VALUE = _NoValue()


# ------------------------------------------------------------------------------------ loading
class _CfnLoader(yaml.SafeLoader):
    """YAML loader that turns the short tags (!Ref, !Sub...) into their long JSON form."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    value: Any
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    if suffix == "Ref":
        return {"Ref": value}
    if suffix == "Condition":
        return {"Condition": value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@dataclass(frozen=True)
class Resource:
    logical_id: str
    type: str
    properties: dict[str, Any]
    depends_on: tuple[str, ...] = ()
    condition: str | None = None  # created only when this condition of the template holds


@dataclass(frozen=True)
class Template:
    path: Path
    parameters: dict[str, Any]
    globals: dict[str, Any]
    resources: dict[str, Resource]
    conditions: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        """Directory that CodeUri, ContentUri and DefinitionUri are relative to."""
        return self.path.parent

    def of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.type == resource_type]

    def properties(self, logical_id: str) -> dict[str, Any]:
        """The resource's properties with the SAM Globals for its type merged in."""
        resource = self.resources[logical_id]
        for section, resource_type in _GLOBALS_SECTIONS.items():
            if resource.type == resource_type:
                return merge_globals(self.globals.get(section, {}), resource.properties)
        return resource.properties

    def _dependencies(self, logical_id: str) -> set[str]:
        props = {k: v for k, v in self.properties(logical_id).items() if k != "Events"}
        named = _references(props) | set(self.resources[logical_id].depends_on)
        return named & self.resources.keys()

    def creation_order(self) -> list[str]:
        """Logical ids, each after every resource it references (template order otherwise).

        Function Events are left out: event sources are wired after every resource exists, so
        that a bucket notifying a function never has to exist before, or after, it.
        """
        deps = {lid: self._dependencies(lid) for lid in self.resources}
        ordered: list[str] = []
        pending = dict(deps)
        while pending:
            ready = [lid for lid, d in pending.items() if d <= set(ordered)]
            if not ready:
                raise TemplateError(f"circular references between {sorted(pending)}")
            ordered.extend(ready)
            for lid in ready:
                del pending[lid]
        return ordered


def load_template(path: Path = DEFAULT_TEMPLATE) -> Template:
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_CfnLoader)  # noqa: S506 (safe subclass)
    resources = {}
    for lid, body in (doc.get("Resources") or {}).items():
        depends_on = body.get("DependsOn") or ()
        resources[lid] = Resource(
            logical_id=lid,
            type=body["Type"],
            properties=body.get("Properties") or {},
            depends_on=(depends_on,) if isinstance(depends_on, str) else tuple(depends_on),
            condition=body.get("Condition"),
        )
    return Template(
        path=path,
        parameters=doc.get("Parameters") or {},
        globals=doc.get("Globals") or {},
        resources=resources,
        conditions=doc.get("Conditions") or {},
    )


def merge_globals(global_props: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
    """SAM's merge rules: maps merge, lists add up (globals first), the resource wins scalars."""
    merged = dict(global_props)
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict):
            merged[key] = merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + value
        else:
            merged[key] = value
    return merged


def _references(value: Any) -> set[str]:
    """Logical ids (or parameter names) a value refers to through Ref, GetAtt or Sub."""
    found: set[str] = set()
    if isinstance(value, dict):
        if "Ref" in value and isinstance(value["Ref"], str):
            found.add(value["Ref"].split(".")[0])  # SAM's `!Ref Function.Alias` too
        if "Fn::GetAtt" in value:
            found.add(str(value["Fn::GetAtt"][0]))
        if "Fn::Sub" in value:
            text = value["Fn::Sub"] if isinstance(value["Fn::Sub"], str) else value["Fn::Sub"][0]
            found.update(v.split(".")[0] for v in _SUB_VARIABLE.findall(text) if v[0] != "!")
        for item in value.values():
            found |= _references(item)
    elif isinstance(value, list):
        for item in value:
            found |= _references(item)
    return found


# ---------------------------------------------------------------------------------- resolving
@dataclass
class Resolver:
    """Resolves intrinsics once the resources they name have been registered."""

    template: Template
    stack_name: str = STACK_NAME
    account_id: str = ACCOUNT_ID
    region: str = REGION
    refs: dict[str, str] = field(default_factory=dict)
    # Parameter values that replace the template's defaults (as `sam deploy
    # --parameter-overrides` would), e.g. the website origin of the local stack.
    parameters: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, dict[str, str]] = field(default_factory=dict)

    def condition(self, name: str) -> bool:
        """The value of one of the template's Conditions, under the parameters."""
        if name not in self.template.conditions:
            raise TemplateError(f"condition {name} is not declared")
        return self._truth(self.template.conditions[name])

    def creates(self, logical_id: str) -> bool:
        """Whether CloudFormation would create the resource (its Condition holds, if any)."""
        condition = self.template.resources[logical_id].condition
        return condition is None or self.condition(condition)

    def _truth(self, value: Any) -> bool:
        if not isinstance(value, dict) or len(value) != 1:
            raise TemplateError(f"not a condition: {value!r}")
        ((key, arg),) = value.items()
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::Equals":
            left, right = (as_condition_text(self.resolve(v)) for v in arg)
            return left == right
        if key == "Fn::Not":
            return not self._truth(arg[0])
        if key == "Fn::And":
            return all(self._truth(v) for v in arg)
        if key == "Fn::Or":
            return any(self._truth(v) for v in arg)
        raise TemplateError(f"{key} is not a condition function")

    def register(self, logical_id: str, ref: str, **attrs: str) -> None:
        self.refs[logical_id] = ref
        self.attrs.setdefault(logical_id, {}).update(attrs)

    @property
    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::StackName": self.stack_name,
            "AWS::AccountId": self.account_id,
            "AWS::Region": self.region,
            "AWS::Partition": PARTITION,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": (
                f"arn:{PARTITION}:cloudformation:{self.region}:{self.account_id}"
                f":stack/{self.stack_name}/local"
            ),
        }

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            resolved = [self.resolve(v) for v in value]
            return [v for v in resolved if v is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(key, arg)
        items = {k: self.resolve(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v is not NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.template.parameters:
            default = self.template.parameters[name].get("Default")
            if default is None:
                raise TemplateError(f"parameter {name} has no default")
            return default if isinstance(default, str) else str(default)
        if name in self.refs:
            return self.refs[name]
        raise TemplateError(f"!Ref {name}: unknown, or not created yet")

    def get_att(self, logical_id: str, attribute: str) -> str:
        try:
            return self.attrs[logical_id][attribute]
        except KeyError:
            raise TemplateError(f"!GetAtt {logical_id}.{attribute}: not available") from None

    def sub(self, text: str, variables: dict[str, Any] | None = None) -> str:
        variables = variables or {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} stays as ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return str(self.resolve(variables[name]))
            if "." in name and not name.startswith("AWS::"):
                return self.get_att(*name.split(".", 1))
            return str(self.ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _intrinsic(self, key: str, arg: Any) -> Any:
        if key == "Ref":
            return self.ref(arg)
        if key == "Fn::If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(name) else when_false)
        if key == "Condition":
            return self.condition(arg)
        if key == "Fn::GetAtt":
            logical_id, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return self.get_att(logical_id, self.resolve(attribute))
        if key == "Fn::Sub":
            if isinstance(arg, str):
                return self.sub(arg)
            return self.sub(arg[0], arg[1])
        if key == "Fn::Join":
            separator, items = arg
            return separator.join(str(v) for v in self.resolve(items))
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items)[int(self.resolve(index))]
        if key == "Fn::Split":
            separator, text = arg
            return str(self.resolve(text)).split(separator)
        raise TemplateError(f"{key} is not supported by the local stack")


def as_condition_text(value: Any) -> str:
    """What !Equals compares: parameter values are strings, YAML's true is "true"."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def walk_events(template: Template, event_type: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(function logical id, event name, event properties) for each SAM event of a type."""
    for function in template.of_type("AWS::Serverless::Function"):
        events = template.properties(function.logical_id).get("Events") or {}
        for name, event in events.items():
            if event.get("Type") == event_type:
                yield function.logical_id, name, event.get("Properties") or {}


def layer_dirs(template: Template) -> list[Path]:
    """Directories of the template's layers: what Lambda puts on a function's import path."""
    return [
        template.root / str(layer.properties["ContentUri"])
        for layer in template.of_type("AWS::Serverless::LayerVersion")
        if isinstance(layer.properties.get("ContentUri"), str)
    ]


# Values the functions' settings can read (healthspace.kernel.settings checks these types); any
# other variable only needs to be present.
_TYPED_STAND_INS = {
    "ENROLLMENT_WINDOW": "P42D",
    "MAX_UPLOAD_BYTES": "20971520",
    "LETTERS_PER_BATCH": "1000",
    "SUSPENSION_WAIT_SECONDS": "3628800",
    "POWERTOOLS_LOG_LEVEL": "INFO",
}


def stand_in_environment(names: Iterable[str]) -> dict[str, str]:
    """These variables with values that let a function load (its settings checked at init)
    without any AWS behind them: a handler tested alone, a cold-start bench."""
    return {name: _TYPED_STAND_INS.get(name, f"stand-in-{name.lower()}") for name in names}
