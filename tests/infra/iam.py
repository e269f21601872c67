"""What IAM must allow for the AWS calls a function makes, and whether template.yaml allows it.

moto does not enforce IAM, so every other tier passes whatever the template grants. Three parts:

- `CallRecorder` records every botocore call made in this process (boto3 and PynamoDB clients
  alike, presigned URLs and POSTs included) and attributes it to the template function whose
  handler is running (set by the local stack's `FunctionRegistry.invoke`), to Step Functions'
  own engine (moto runs it in this process), to the stream poller (Lambda's event source
  mapping, played by infra/local/streams.py), or to the test itself.
- `needs` turns a call into the IAM actions and resources it needs: the IAM prefix is the
  service's signing name (sesv2 signs as ses, stepfunctions as states), some operations are
  authorised under another action (ListObjectsV2 is s3:ListBucket, a TransactWriteItems is one
  PutItem/UpdateItem/DeleteItem/ConditionCheckItem per item), and some need KMS besides (an
  object in an SSE-KMS bucket, a secret encrypted with a customer-managed key, a message in a
  queue encrypted with one).
- `policies` resolves each resource's `Policies` as the local stack resolves the template, and
  `Statement.allows` matches a need with IAM's wildcards and the conditions the template uses.
"""

from __future__ import annotations

import contextvars
import re
import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import pytest
from botocore.client import BaseClient
from botocore.signers import S3PostPresigner

from infra.local.lambdas import FunctionRegistry
from infra.local.template import PARTITION, Resolver, Template

TEST = "(the test itself)"
ENGINE = "(Step Functions' engine)"
# Lambda's stream poller: it reads a DynamoDB stream with the mapped function's role.
STREAM_POLLER = "(event source mapping)"
# The local stack's stand-in for S3's own restore clock (infra/local/restores.py): not a caller.
RESTORE_CLOCK = "(S3's restore, played locally)"
UNATTRIBUTED = "(unattributed)"

_current_function: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "iam_current_function", default=None
)
# Request bodies name no resource: not kept.
_DROPPED_PARAMS = ("Body",)


# ------------------------------------------------------------------------------ recording
@dataclass(frozen=True)
class Call:
    """One AWS API call (or presigned request) and who made it."""

    owner: str
    service: str  # botocore's service name (sesv2, stepfunctions...)
    prefix: str  # the IAM service prefix: the signing name (ses, states...)
    operation: str
    params: Mapping[str, Any]
    region: str
    presigned: str = ""  # "URL" or "POST": the signer's permissions apply when it is used

    def __str__(self) -> str:
        how = f" (presigned {self.presigned})" if self.presigned else ""
        return f"{self.service}.{self.operation}{how}"


@dataclass
class CallRecorder:
    """Records the calls made while `recording()` is active, with their owner.

    Not botocore's `before-call` event (infra.bench.measure.RequestCounter): handlers registered in
    botocore.handlers.BUILTIN_HANDLERS only reach sessions created afterwards, and in a full
    pytest run boto3's default session and PynamoDB's per-thread ones may already exist, so calls
    would be missed silently. `BaseClient._emit_api_params` is where every client call and
    presigned URL passes with its API parameters (a presigned POST passes there as CreateBucket,
    without its key, so `S3PostPresigner.generate_presigned_post` is hooked for it)."""

    # Called before each invocation: the test makes each one start cold, as a new Lambda
    # instance, so that what a function does once per instance is recorded for every function
    # (locally they share one process, and its caches).
    cold_start: Callable[[], None] = lambda: None
    calls: list[Call] = field(default_factory=list)
    invocations: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _test_thread: int = field(default_factory=threading.get_ident)

    @contextmanager
    def recording(self) -> Iterator[CallRecorder]:
        self._test_thread = threading.get_ident()
        with pytest.MonkeyPatch.context() as patch:
            _check_hooks()
            patch.setattr(BaseClient, "_emit_api_params", self._emit_api_params_hook())
            patch.setattr(S3PostPresigner, "generate_presigned_post", self._presigned_post_hook())
            patch.setattr(FunctionRegistry, "invoke", self._invoke_hook())
            patch.setattr(ThreadPoolExecutor, "submit", _submit_in_context())
            yield self

    def by(self, owner: str) -> list[Call]:
        return [call for call in self.calls if call.owner == owner]

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def _owner(self) -> str:
        function = _current_function.get()
        if function is not None:
            return function
        if _called_from("moto.stepfunctions"):
            return ENGINE
        if _called_from("infra.local.streams"):
            return STREAM_POLLER
        if _called_from("infra.local.restores"):
            return RESTORE_CLOCK
        if threading.get_ident() == self._test_thread:
            return TEST
        # A function's worker thread that lost the attribution: its calls would go unchecked.
        return UNATTRIBUTED

    def _emit_api_params_hook(self) -> Callable[..., Any]:
        original = BaseClient._emit_api_params
        recorder = self

        def _emit_api_params(
            client: BaseClient, api_params: Any, operation_model: Any, context: Any
        ) -> Any:
            params = original(
                client, api_params=api_params, operation_model=operation_model, context=context
            )
            presigned = bool((context or {}).get("is_presign_request"))
            if presigned and operation_model.name == "CreateBucket":
                return params  # a presigned POST: recorded by the S3PostPresigner hook
            service = client.meta.service_model
            recorder._record(
                Call(
                    owner=recorder._owner(),
                    service=service.service_name,
                    prefix=service.signing_name or service.endpoint_prefix,
                    operation=operation_model.name,
                    params={k: v for k, v in params.items() if k not in _DROPPED_PARAMS},
                    region=client.meta.region_name,
                    presigned="URL" if presigned else "",
                )
            )
            return params

        return _emit_api_params

    def _presigned_post_hook(self) -> Callable[..., Any]:
        original = S3PostPresigner.generate_presigned_post
        recorder = self

        def generate_presigned_post(
            presigner: S3PostPresigner,
            request_dict: Any,
            fields: Any = None,
            conditions: Any = None,
            expires_in: int = 3600,
            region_name: str | None = None,
        ) -> Any:
            bucket = next(c["bucket"] for c in conditions if isinstance(c, dict) and "bucket" in c)
            recorder._record(
                Call(
                    owner=recorder._owner(),
                    service="s3",
                    prefix="s3",
                    operation="PutObject",
                    params={"Bucket": bucket, "Key": (fields or {})["key"]},
                    region=region_name or presigner._request_signer.region_name,
                    presigned="POST",
                )
            )
            return original(presigner, request_dict, fields, conditions, expires_in, region_name)

        return generate_presigned_post

    def _invoke_hook(self) -> Callable[..., Any]:
        original = FunctionRegistry.invoke
        recorder = self

        def invoke(registry: FunctionRegistry, key: str, event: Any) -> Any:
            function = registry.spec(key).logical_id
            with recorder._lock:
                recorder.invocations[function] += 1
            recorder.cold_start()
            token = _current_function.set(function)
            try:
                return original(registry, key, event)
            finally:
                _current_function.reset(token)

        return invoke


def _submit_in_context() -> Callable[..., Future[Any]]:
    """ThreadPoolExecutor.submit running the task in a copy of the submitter's context, so that
    the importer's notifying threads stay attributed to the import function."""
    original = ThreadPoolExecutor.submit

    def submit(executor: ThreadPoolExecutor, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        return original(executor, contextvars.copy_context().run, fn, *args, **kwargs)

    return submit


def _called_from(module_prefix: str) -> bool:
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        if str(frame.f_globals.get("__name__", "")).startswith(module_prefix):
            return True
        frame = frame.f_back
    return False


def _check_hooks() -> None:
    """Fail loudly if the private botocore API hooked above moved (botocore is pinned)."""
    import inspect

    emit = list(inspect.signature(BaseClient._emit_api_params).parameters)
    if emit != ["self", "api_params", "operation_model", "context"]:
        raise RuntimeError(f"botocore's BaseClient._emit_api_params{emit} changed")
    post = list(inspect.signature(S3PostPresigner.generate_presigned_post).parameters)
    if post[:5] != ["self", "request_dict", "fields", "conditions", "expires_in"]:
        raise RuntimeError(f"botocore's S3PostPresigner.generate_presigned_post{post} changed")


# --------------------------------------------------------------------------- what IAM needs
@dataclass(frozen=True)
class Need:
    """An IAM action on a resource (None: not derivable from the call; any resource will do)."""

    action: str
    resource: str | None
    context: tuple[tuple[str, str], ...] = ()  # condition keys known from the request
    why: str = ""  # set when the action is not the call's own (implied KMS use...)

    def __str__(self) -> str:
        keys = "".join(f" [{k}={v}]" for k, v in self.context)
        return f"{self.action} on {self.resource or '(resource not derivable)'}{keys}"


@dataclass(frozen=True)
class Account:
    """Where ARNs point, and which KMS key encrypts each bucket's objects, each secret and each
    queue's messages (queues by name)."""

    account_id: str
    bucket_keys: Mapping[str, str]
    secret_keys: Mapping[str, str]
    queue_keys: Mapping[str, str] = field(default_factory=dict)
    partition: str = PARTITION

    def arn(self, service: str, region: str, resource: str) -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"


def account_of(template: Template, resolver: Resolver) -> Account:
    buckets: dict[str, str] = {}
    for bucket in template.of_type("AWS::S3::Bucket"):
        props = resolver.resolve(bucket.properties)
        rules = (props.get("BucketEncryption") or {}).get("ServerSideEncryptionConfiguration", [])
        for rule in rules:
            default = rule.get("ServerSideEncryptionByDefault") or {}
            if default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID"):
                buckets[resolver.refs[bucket.logical_id]] = str(default["KMSMasterKeyID"])
    secrets = {
        resolver.refs[secret.logical_id]: str(resolver.resolve(secret.properties["KmsKeyId"]))
        for secret in template.of_type("AWS::SecretsManager::Secret")
        if "KmsKeyId" in secret.properties
    }
    queues = {
        str(resolver.refs[queue.logical_id]).rsplit("/", 1)[-1]: str(
            resolver.resolve(queue.properties["KmsMasterKeyId"])
        )
        for queue in template.of_type("AWS::SQS::Queue")
        if "KmsMasterKeyId" in queue.properties
    }
    return Account(
        account_id=resolver.account_id,
        bucket_keys=buckets,
        secret_keys=secrets,
        queue_keys=queues,
    )


# S3 operations authorised under another action, and the object-level ones.
_S3_ACTIONS = {
    "ListObjectsV2": "ListBucket",
    "ListObjects": "ListBucket",
    "HeadBucket": "ListBucket",
    "ListObjectVersions": "ListBucketVersions",
    "HeadObject": "GetObject",
    "CreateMultipartUpload": "PutObject",
    "UploadPart": "PutObject",
    "CompleteMultipartUpload": "PutObject",
}
_S3_OBJECT_ACTIONS = frozenset(
    {
        "GetObject",
        "PutObject",
        "DeleteObject",
        "AbortMultipartUpload",
        "GetObjectTagging",
        "RestoreObject",
    }
)
# An object action naming a version is authorised under its ...Version action.
_S3_VERSION_ACTIONS = {"GetObject": "GetObjectVersion", "DeleteObject": "DeleteObjectVersion"}
# A TransactWriteItems item -> the action IAM checks for it (there is no TransactWriteItems one).
_TRANSACT_ACTIONS = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


def needs(call: Call, account: Account) -> list[Need]:
    """The IAM permissions the call needs from its caller (for a presigned request, from the
    signer, when it is used)."""
    derive = _DERIVERS.get(call.prefix)
    if derive is not None:
        return derive(call, account)
    return [Need(f"{call.prefix}:{call.operation}", None)]


def _dynamodb(call: Call, account: Account) -> list[Need]:
    p, region = call.params, call.region

    def table(name: str, index: str | None = None) -> str:
        arn = name if name.startswith("arn:") else account.arn("dynamodb", region, f"table/{name}")
        return f"{arn}/index/{index}" if index else arn

    if call.operation == "TransactWriteItems":
        found = []
        for item in p["TransactItems"]:
            ((kind, body),) = item.items()
            found.append(Need(f"dynamodb:{_TRANSACT_ACTIONS[kind]}", table(body["TableName"])))
        return found
    if call.operation == "TransactGetItems":
        return [Need("dynamodb:GetItem", table(i["Get"]["TableName"])) for i in p["TransactItems"]]
    if call.operation in ("BatchGetItem", "BatchWriteItem"):
        return [Need(f"dynamodb:{call.operation}", table(name)) for name in p["RequestItems"]]
    if "TableName" in p:
        return [Need(f"dynamodb:{call.operation}", table(p["TableName"], p.get("IndexName")))]
    if "StreamArn" in p:
        return [Need(f"dynamodb:{call.operation}", p["StreamArn"])]
    return [Need(f"dynamodb:{call.operation}", None)]


def _s3(call: Call, account: Account) -> list[Need]:
    p = call.params
    action = _S3_ACTIONS.get(call.operation, call.operation)
    bucket = p.get("Bucket")
    if bucket is None:
        return [Need(f"s3:{action}", None)]
    bucket_arn = f"arn:{account.partition}:s3:::{bucket}"
    if call.operation == "DeleteObjects":  # authorised as each key's DeleteObject(Version)
        return [
            Need(
                f"s3:{'DeleteObjectVersion' if 'VersionId' in o else 'DeleteObject'}",
                f"{bucket_arn}/{o['Key']}",
            )
            for o in p["Delete"]["Objects"]
        ]
    if action not in _S3_OBJECT_ACTIONS:
        context = (("s3:prefix", str(p["Prefix"])),) if "Prefix" in p else ()
        return [Need(f"s3:{action}", bucket_arn, context)]
    if p.get("VersionId") and action in _S3_VERSION_ACTIONS:
        action = _S3_VERSION_ACTIONS[action]
    found = [Need(f"s3:{action}", f"{bucket_arn}/{p['Key']}")]
    # SSE-KMS: S3 uses the key with the caller's (or the presigner's) permissions.
    key = p.get("SSEKMSKeyId") or account.bucket_keys.get(bucket)
    if key and action == "PutObject":
        found.append(Need("kms:GenerateDataKey", key, why=f"to write to SSE-KMS bucket {bucket}"))
    if key and call.operation == "GetObject":  # (a Version too)
        found.append(Need("kms:Decrypt", key, why=f"to read from SSE-KMS bucket {bucket}"))
    return found


def _kms(call: Call, account: Account) -> list[Need]:
    key = call.params.get("KeyId")
    if key and not str(key).startswith("arn:"):
        kind = "" if str(key).startswith("alias/") else "key/"
        key = account.arn("kms", call.region, f"{kind}{key}")
    return [Need(f"kms:{call.operation}", key)]


def _secretsmanager(call: Call, account: Account) -> list[Need]:
    secret = str(call.params.get("SecretId", ""))
    if secret and not secret.startswith("arn:"):
        secret = account.arn("secretsmanager", call.region, f"secret:{secret}-??????")
    found = [Need(f"secretsmanager:{call.operation}", secret or None)]
    key = account.secret_keys.get(secret)
    if key and call.operation == "GetSecretValue":
        found.append(Need("kms:Decrypt", key, why="the secret is encrypted with this key"))
    return found


def _ses(call: Call, account: Account) -> list[Need]:
    sender = call.params.get("Source") or call.params.get("FromEmailAddress")
    identity = account.arn("ses", call.region, f"identity/{sender}") if sender else None
    return [Need(f"ses:{call.operation}", identity)]


def _sns(call: Call, account: Account) -> list[Need]:
    target = call.params.get("TopicArn") or call.params.get("TargetArn")
    # A publish to a phone number is authorised on "*": there is no ARN to name.
    return [Need(f"sns:{call.operation}", target or "*")]


def _states(call: Call, account: Account) -> list[Need]:
    p = call.params
    arn = p.get("stateMachineArn") or p.get("executionArn") or p.get("mapRunArn")
    return [Need(f"states:{call.operation}", arn)]


def _sqs(call: Call, account: Account) -> list[Need]:
    """A queue's call, on its ARN; a message sent to (or received from) a queue encrypted with a
    customer-managed key needs that key too (SQS uses it with the caller's permissions)."""
    url = str(call.params.get("QueueUrl", ""))
    if not url:
        return [Need(f"sqs:{call.operation}", None)]
    name = url.rsplit("/", 1)[-1]
    found = [Need(f"sqs:{call.operation}", account.arn("sqs", call.region, name))]
    key = account.queue_keys.get(name)
    if key and not key.startswith("arn:"):
        key = account.arn("kms", call.region, f"{'' if key.startswith('alias/') else 'key/'}{key}")
    why = f"messages of queue {name} are encrypted with this key"
    if key and call.operation in ("SendMessage", "SendMessageBatch"):
        found.append(Need("kms:GenerateDataKey", key, why=why))
        found.append(Need("kms:Decrypt", key, why=why))
    if key and call.operation == "ReceiveMessage":
        found.append(Need("kms:Decrypt", key, why=why))
    return found


def _lambda(call: Call, account: Account) -> list[Need]:
    name = str(call.params.get("FunctionName", ""))
    arn = (
        name if name.startswith("arn:") else account.arn("lambda", call.region, "function:" + name)
    )
    action = "InvokeFunction" if call.operation == "Invoke" else call.operation
    return [Need(f"lambda:{action}", arn if name else None)]


_DERIVERS: dict[str, Callable[[Call, Account], list[Need]]] = {
    "dynamodb": _dynamodb,
    "s3": _s3,
    "kms": _kms,
    "secretsmanager": _secretsmanager,
    "ses": _ses,
    "sns": _sns,
    "states": _states,
    "lambda": _lambda,
    "sqs": _sqs,
}


# --------------------------------------------------------------------------- the template
@dataclass(frozen=True)
class Statement:
    owner: str
    sid: str
    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    conditions: Mapping[str, Mapping[str, Any]]

    def covers_action(self, action: str) -> bool:
        return any(_wildcard(pattern, action, ignore_case=True) for pattern in self.actions)

    def covers_resource(self, resource: str | None) -> bool:
        if resource is None:  # not derivable: checked on the action only
            return True
        return any(_wildcard(pattern, resource) for pattern in self.resources)

    def conditions_hold(self, need: Need) -> bool:
        known = dict(need.context)
        for operator, tests in self.conditions.items():
            compare = _CONDITION_OPERATORS.get(operator)
            if compare is None:
                raise ValueError(f"{self.owner}/{self.sid}: condition {operator} is not supported")
            for key, expected in tests.items():
                values = expected if isinstance(expected, list) else [expected]
                actual = known.get(key)
                if actual is None or not any(compare(str(v), actual) for v in values):
                    return False  # as IAM: a key absent from the request fails the condition
        return True

    def allows(self, need: Need) -> bool:
        return (
            self.covers_action(need.action)
            and self.covers_resource(need.resource)
            and self.conditions_hold(need)
        )

    def __str__(self) -> str:
        return f"{self.sid or '(no Sid)'}: {', '.join(self.actions)} on {', '.join(self.resources)}"


_CONDITION_OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "StringLike": lambda pattern, value: _wildcard(pattern, value),
    "StringEquals": lambda expected, value: expected == value,
    "ArnLike": lambda pattern, value: _wildcard(pattern, value),
    "ArnEquals": lambda expected, value: expected == value,
}


def _wildcard(pattern: str, value: str, ignore_case: bool = False) -> bool:
    """IAM's matching: * any run of characters ('/' and ':' included), ? one character."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, value, re.IGNORECASE if ignore_case else 0) is not None


def policies(
    template: Template, resolver: Resolver, resource_type: str
) -> dict[str, list[Statement]]:
    """The inline statements of each resource's SAM `Policies`, intrinsics resolved."""
    found: dict[str, list[Statement]] = {}
    for resource in template.of_type(resource_type):
        statements: list[Statement] = []
        for document in resolver.resolve(resource.properties.get("Policies") or []):
            if not isinstance(document, dict) or set(document) - {"Statement", "Version"}:
                # A managed policy or a SAM policy template: this checker would need its content.
                raise ValueError(f"{resource.logical_id}: only inline statements are supported")
            for raw in document["Statement"]:
                unsupported = set(raw) & {"NotAction", "NotResource", "Principal"}
                if unsupported:
                    raise ValueError(f"{resource.logical_id}: {sorted(unsupported)} not supported")
                statements.append(
                    Statement(
                        owner=resource.logical_id,
                        sid=str(raw.get("Sid", "")),
                        effect=str(raw["Effect"]),
                        actions=tuple(_as_list(raw["Action"])),
                        resources=tuple(_as_list(raw["Resource"])),
                        conditions=raw.get("Condition") or {},
                    )
                )
        found[resource.logical_id] = statements
    return found


def _as_list(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# ------------------------------------------------------------------------------ the check
@dataclass(frozen=True)
class Finding:
    """A need of a function's calls that its statements do not allow."""

    owner: str
    need: Need
    calls: tuple[Call, ...]
    statements: tuple[Statement, ...]

    def explain(self) -> str:
        more = len(self.calls) - 1
        made_by = f"{self.calls[0]}" + (f" (and {more} more call(s))" if more else "")
        why = f", {self.need.why}" if self.need.why else ""
        return (
            f"{self.owner} is not allowed {self.need}\n"
            f"    needed by {made_by}{why}\n"
            f"    expected: {self._expected()}"
        )

    def _expected(self) -> str:
        """The statement that should allow it: the one already granting this resource (other
        actions), else the one granting this action (other resources)."""
        need = self.need
        denying = [s for s in self.statements if s.effect == "Deny" and s.allows(need)]
        if denying:
            return f"no Deny of it, but {denying[0].sid!r} denies it"
        allowing = [s for s in self.statements if s.effect == "Allow"]
        same_resource = [
            s for s in allowing if s.resources != ("*",) and s.covers_resource(need.resource)
        ]
        if same_resource:
            names = " or ".join(repr(s.sid) for s in same_resource)
            return f"{need.action} in statement {names}, which grants this resource other actions"
        same_action = [s for s in allowing if s.covers_action(need.action)]
        if same_action:
            names = "; ".join(str(s) for s in same_action)
            return f"a statement allowing {need.action} on {need.resource} (only: {names})"
        return f"a statement allowing {need.action} on {need.resource} (no statement grants it)"


def check(
    owner: str, calls: Sequence[Call], statements: Sequence[Statement], account: Account
) -> list[Finding]:
    """The needs of the calls that the statements do not allow (an explicit Deny wins)."""
    missing: dict[Need, list[Call]] = {}
    for call in calls:
        for need in needs(call, account):
            allowed = any(s.effect == "Allow" and s.allows(need) for s in statements)
            denied = any(s.effect == "Deny" and s.allows(need) for s in statements)
            if denied or not allowed:
                missing.setdefault(need, []).append(call)
    return [Finding(owner, need, tuple(by), tuple(statements)) for need, by in missing.items()]


def unused(
    calls: Sequence[Call], statements: Sequence[Statement], account: Account
) -> list[tuple[Statement, str, str]]:
    """(statement, action, resource) granted that none of the calls needed: for a review, not
    a failure (the flows do not reach every branch)."""
    used = [need for call in calls for need in needs(call, account)]
    return [
        (statement, action, resource)
        for statement in statements
        for action in statement.actions
        for resource in statement.resources
        if not any(
            _wildcard(action, n.action, ignore_case=True)
            and (n.resource is None or _wildcard(resource, n.resource))
            and statement.conditions_hold(n)
            for n in used
        )
    ]
