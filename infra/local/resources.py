"""Creates the resources of template.yaml in moto, through the AWS APIs.

One small function per resource type, found through `CREATORS` (type -> creator); each reads the
template's properties, calls the service, and registers the physical id (what !Ref returns) and
the attributes (!GetAtt) with the resolver. Settings moto refuses are skipped with a debug line;
types with no creator are skipped the same way, with placeholder ids (Ref and Arn): the WAF
web ACL and its association, and the partners' usage plan (moto neither filters nor throttles
requests, and the local gateway plays neither: it checks no API key), the Lambda permission of
the Cognito trigger. Resources whose Condition is false are not created, as in CloudFormation
(the custom domains, Pro Santé Connect, unless their parameters are given).
A creator that fails stops the stack: a missing table or bucket would only fail later, worse.
Event sources of SAM functions are wired once everything exists (`EVENT_WIRERS`): S3
notifications and SQS mappings, which moto fires into the in-process handlers, and DynamoDB
stream mappings, which the stack's own poller delivers (infra/local/streams.py). Schedules are
not wired here (EventBridge never fires in moto): the stack's ticker fires them
(infra/local/schedules.py).

Local choices, where the cloud would generate or enforce something:
- physical names are `<stack>-<LogicalId>` (no random suffix), bucket names lower-cased;
- one IAM role serves every function and state machine: moto does not enforce IAM, so the
  functions' Policies are not translated;
- bucket policy statements conditioned on aws:SecureTransport are dropped: moto evaluates them
  and its endpoint is plain HTTP on 127.0.0.1.
"""

from __future__ import annotations

import io
import json
import logging
import secrets
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import yaml
from botocore.exceptions import ClientError

from infra.local.lambdas import FunctionSpec, function_spec
from infra.local.streams import StreamMapping
from infra.local.template import PARTITION, Resolver, Template, walk_events

log = logging.getLogger(__name__)

Creator = Callable[["Deployer", str, dict[str, Any]], None]

_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _placeholder_zip(filename: str = "index.py") -> bytes:
    """moto needs a package to create a function or layer; the code runs in-process instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(filename, "# runs in-process, see infra/local/lambdas.py\n")
    return buffer.getvalue()


def _pick(props: dict[str, Any], *keys: str) -> dict[str, Any]:
    """The properties whose name and shape are the API's."""
    return {k: props[k] for k in keys if k in props}


def as_text(value: Any) -> str:
    """CloudFormation's string conversion (environment variables, queue attributes)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


@dataclass
class Deployer:
    template: Template
    resolver: Resolver
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    stream_mappings: list[StreamMapping] = field(default_factory=list)
    _clients: dict[str, Any] = field(default_factory=dict)
    _role_arn: str | None = None

    # --------------------------------------------------------------------------- plumbing
    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self.resolver.region)
        return self._clients[service]

    def name(self, logical_id: str, props: dict[str, Any], key: str) -> str:
        return str(props.get(key) or f"{self.resolver.stack_name}-{logical_id}")

    def arn(self, service: str, resource: str) -> str:
        r = self.resolver
        return f"arn:{PARTITION}:{service}:{r.region}:{r.account_id}:{resource}"

    def best_effort(self, what: str, call: Callable[..., Any], **kwargs: Any) -> None:
        """A setting moto may refuse: log and go on, the resource itself exists."""
        try:
            call(**kwargs)
        except ClientError as error:
            log.debug("skipped %s: %s", what, error)

    def api_params(
        self, service: str, operation: str, props: dict[str, Any], handled: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        """The properties that are also parameters of the operation (same name and shape).

        `handled`: properties the caller translates itself (not reported as ignored).
        """
        shape = self.client(service).meta.service_model.operation_model(operation).input_shape
        params = {k: v for k, v in props.items() if k in shape.members}
        ignored = sorted(set(props) - set(params) - set(handled))
        if ignored:
            log.debug("%s %s: ignored locally: %s", service, operation, ignored)
        return params

    def role_arn(self) -> str:
        if self._role_arn is None:
            iam, name = self.client("iam"), f"{self.resolver.stack_name}-execution"
            try:
                role = iam.create_role(
                    RoleName=name, AssumeRolePolicyDocument=json.dumps(_TRUST_POLICY)
                )
            except iam.exceptions.EntityAlreadyExistsException:  # IAM is global to the account
                role = iam.get_role(RoleName=name)
            self._role_arn = str(role["Role"]["Arn"])
        return self._role_arn

    # ------------------------------------------------------------------------------ deploy
    def deploy(self) -> None:
        for logical_id in self.template.creation_order():
            resource = self.template.resources[logical_id]
            if not self.resolver.creates(logical_id):
                log.debug("skipped %s: condition %s is false", logical_id, resource.condition)
                continue
            creator = CREATORS.get(resource.type)
            if creator is None:
                log.debug("skipped %s (%s): no local equivalent", logical_id, resource.type)
                # Placeholders, so that a variable naming it does not stop the stack.
                self.resolver.register(
                    logical_id,
                    f"{self.resolver.stack_name}-{logical_id}",
                    Arn=self.arn("local", f"unsupported/{logical_id}"),
                    Id=f"{self.resolver.stack_name}-{logical_id}",
                    DomainName=f"{logical_id.lower()}.local.invalid",
                )
                continue
            props = self.template.properties(logical_id)
            props = self.resolver.resolve({k: v for k, v in props.items() if k != "Events"})
            creator(self, logical_id, props)
            log.debug("created %s (%s)", logical_id, resource.type)
        for event_type, wire in EVENT_WIRERS.items():
            events = walk_events(self.template, event_type)
            wire(self, [(f, n, self.resolver.resolve(p)) for f, n, p in events])
        for function in self.template.of_type("AWS::Serverless::Function"):
            for name, event in (function.properties.get("Events") or {}).items():
                if event.get("Type") not in (*EVENT_WIRERS, "Api"):  # Api: the local gateway
                    log.debug(
                        "%s.%s (%s): not wired locally",
                        function.logical_id,
                        name,
                        event.get("Type"),
                    )


# ------------------------------------------------------------------------------- creators
def _kms_key(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    params = d.api_params("kms", "CreateKey", props, ("KeyPolicy", "EnableKeyRotation"))
    if "KeyPolicy" in props:
        params["Policy"] = json.dumps(props["KeyPolicy"])
    key = d.client("kms").create_key(**params)["KeyMetadata"]
    if props.get("EnableKeyRotation"):
        d.best_effort("key rotation", d.client("kms").enable_key_rotation, KeyId=key["KeyId"])
    d.resolver.register(lid, key["KeyId"], Arn=key["Arn"], KeyId=key["KeyId"])


def _kms_alias(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    d.client("kms").create_alias(AliasName=props["AliasName"], TargetKeyId=props["TargetKeyId"])
    d.resolver.register(lid, props["AliasName"])


def _dynamodb_table(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    name = d.name(lid, props, "TableName")
    params = d.api_params(
        "dynamodb",
        "CreateTable",
        props,
        ("TableName", "TimeToLiveSpecification", "PointInTimeRecoverySpecification"),
    )
    if "SSESpecification" in props:  # CloudFormation says SSEEnabled where the API says Enabled
        sse = dict(props["SSESpecification"])
        params["SSESpecification"] = {"Enabled": sse.pop("SSEEnabled", False), **sse}
    if "StreamSpecification" in props:
        params["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    table = d.client("dynamodb").create_table(**{**params, "TableName": name})["TableDescription"]
    ddb = d.client("dynamodb")
    if "TimeToLiveSpecification" in props:
        d.best_effort(
            "TTL",
            ddb.update_time_to_live,
            TableName=name,
            TimeToLiveSpecification=props["TimeToLiveSpecification"],
        )
    if "PointInTimeRecoverySpecification" in props:
        d.best_effort(
            "PITR",
            ddb.update_continuous_backups,
            TableName=name,
            PointInTimeRecoverySpecification=props["PointInTimeRecoverySpecification"],
        )
    attrs = {"Arn": table["TableArn"]}
    if table.get("LatestStreamArn"):
        attrs["StreamArn"] = table["LatestStreamArn"]
    d.resolver.register(lid, name, **attrs)


def _lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"ID": rule.get("Id", "rule"), "Status": rule["Status"]}
    out["Filter"] = {"Prefix": rule.get("Prefix", "")}
    if "ExpirationInDays" in rule:
        out["Expiration"] = {"Days": rule["ExpirationInDays"]}
    if "NoncurrentVersionExpirationInDays" in rule:
        out["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": rule["NoncurrentVersionExpirationInDays"]
        }
    for key in ("NoncurrentVersionExpiration", "AbortIncompleteMultipartUpload"):
        if key in rule:
            out[key] = rule[key]
    if "Transitions" in rule:
        out["Transitions"] = [
            {"StorageClass": t["StorageClass"], "Days": t["TransitionInDays"]}
            for t in rule["Transitions"]
        ]
    return out


def _encryption(p: dict[str, Any]) -> dict[str, Any]:
    rules = []
    for rule in p["ServerSideEncryptionConfiguration"]:
        api_rule = {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
        if "BucketKeyEnabled" in rule:
            api_rule["BucketKeyEnabled"] = rule["BucketKeyEnabled"]
        rules.append(api_rule)
    return {"ServerSideEncryptionConfiguration": {"Rules": rules}}


_CORS_RENAMES = {"Id": "ID", "MaxAge": "MaxAgeSeconds", "ExposedHeaders": "ExposeHeaders"}


def _cors(p: dict[str, Any]) -> dict[str, Any]:
    rules = [{_CORS_RENAMES.get(k, k): v for k, v in rule.items()} for rule in p["CorsRules"]]
    return {"CORSConfiguration": {"CORSRules": rules}}


def _logging(p: dict[str, Any]) -> dict[str, Any]:
    target = {
        "TargetBucket": p["DestinationBucketName"],
        "TargetPrefix": p.get("LogFilePrefix", ""),
    }
    return {"BucketLoggingStatus": {"LoggingEnabled": target}}


# Bucket property -> (S3 operation, its parameters from the property's value).
_BUCKET_SETTINGS: dict[str, tuple[str, Callable[[Any], dict[str, Any]]]] = {
    "BucketEncryption": ("put_bucket_encryption", _encryption),
    "VersioningConfiguration": (
        "put_bucket_versioning",
        lambda p: {"VersioningConfiguration": {"Status": p["Status"]}},
    ),
    "PublicAccessBlockConfiguration": (
        "put_public_access_block",
        lambda p: {"PublicAccessBlockConfiguration": p},
    ),
    "OwnershipControls": ("put_bucket_ownership_controls", lambda p: {"OwnershipControls": p}),
    "CorsConfiguration": ("put_bucket_cors", _cors),
    "LifecycleConfiguration": (
        "put_bucket_lifecycle_configuration",
        lambda p: {"LifecycleConfiguration": {"Rules": [_lifecycle_rule(r) for r in p["Rules"]]}},
    ),
    "LoggingConfiguration": ("put_bucket_logging", _logging),
    "ObjectLockConfiguration": (
        "put_object_lock_configuration",
        lambda p: {"ObjectLockConfiguration": p},
    ),
}


def _s3_bucket(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    name = str(props.get("BucketName") or f"{d.resolver.stack_name}-{lid}".lower())
    s3 = d.client("s3")
    s3.create_bucket(
        Bucket=name,
        CreateBucketConfiguration={"LocationConstraint": d.resolver.region},
        ObjectLockEnabledForBucket=bool(props.get("ObjectLockEnabled", False)),
    )
    for prop, (operation, params) in _BUCKET_SETTINGS.items():
        if prop in props:
            d.best_effort(
                f"{name} {prop}", getattr(s3, operation), Bucket=name, **params(props[prop])
            )
    d.resolver.register(
        lid,
        name,
        Arn=f"arn:{PARTITION}:s3:::{name}",
        DomainName=f"{name}.s3.amazonaws.com",
        RegionalDomainName=f"{name}.s3.{d.resolver.region}.amazonaws.com",
    )


def _s3_bucket_policy(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    policy = dict(props["PolicyDocument"])
    kept = [s for s in policy["Statement"] if "aws:SecureTransport" not in json.dumps(s)]
    if len(kept) < len(policy["Statement"]):
        log.debug("%s: dropped aws:SecureTransport statements (local endpoint is HTTP)", lid)
    if kept:
        d.client("s3").put_bucket_policy(
            Bucket=props["Bucket"], Policy=json.dumps({**policy, "Statement": kept})
        )
    d.resolver.register(lid, props["Bucket"])


def _sqs_queue(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    name = d.name(lid, props, "QueueName")
    if props.get("FifoQueue") and not name.endswith(".fifo"):
        name += ".fifo"
    attributes = {k: as_text(v) for k, v in props.items() if k not in ("QueueName", "Tags")}
    sqs = d.client("sqs")
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]
    d.resolver.register(lid, url, Arn=arn["QueueArn"], QueueName=name, QueueUrl=url)


def _secret(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    """A secret with a random value, as GenerateSecretString would make it."""
    generate = props.get("GenerateSecretString") or {}
    value = props.get("SecretString") or secrets.token_urlsafe(
        int(generate.get("PasswordLength", 32))
    )
    created = d.client("secretsmanager").create_secret(
        Name=d.name(lid, props, "Name"), SecretString=value, KmsKeyId=props.get("KmsKeyId", "")
    )
    d.resolver.register(lid, created["ARN"], Id=created["ARN"])


def _ses_identity(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    # moto, like SES's sandbox, sends only from verified identities.
    d.client("ses").verify_email_identity(EmailAddress=props["EmailIdentity"])
    d.resolver.register(lid, props["EmailIdentity"])


def _user_pool_group(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    d.client("cognito-idp").create_group(
        UserPoolId=props["UserPoolId"], GroupName=props["GroupName"]
    )
    d.resolver.register(lid, props["GroupName"])


def _user_pool(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    cognito = d.client("cognito-idp")
    params = d.api_params("cognito-idp", "CreateUserPool", props, ("UserPoolName", "EnabledMfas"))
    params["PoolName"] = d.name(lid, props, "UserPoolName")
    pool = cognito.create_user_pool(**params)["UserPool"]
    if props.get("EnabledMfas") or props.get("MfaConfiguration"):
        d.best_effort(
            "MFA configuration",
            cognito.set_user_pool_mfa_config,
            UserPoolId=pool["Id"],
            MfaConfiguration=props.get("MfaConfiguration", "OFF"),
            SoftwareTokenMfaConfiguration={
                "Enabled": "SOFTWARE_TOKEN_MFA" in props.get("EnabledMfas", [])
            },
        )
    provider = f"cognito-idp.{d.resolver.region}.amazonaws.com/{pool['Id']}"
    d.resolver.register(
        lid,
        pool["Id"],
        Arn=pool["Arn"],
        ProviderName=provider,
        ProviderURL=f"https://{provider}",
        UserPoolId=pool["Id"],
    )


def _user_pool_client(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    params = d.api_params("cognito-idp", "CreateUserPoolClient", props, ("ClientName",))
    params["ClientName"] = props.get("ClientName") or lid
    client = d.client("cognito-idp").create_user_pool_client(**params)["UserPoolClient"]
    d.resolver.register(lid, client["ClientId"], ClientId=client["ClientId"], Name=lid)


def _log_group(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    name = d.name(lid, props, "LogGroupName")
    logs = d.client("logs")
    logs.create_log_group(
        logGroupName=name, **({"kmsKeyId": props["KmsKeyId"]} if "KmsKeyId" in props else {})
    )
    if "RetentionInDays" in props:
        d.best_effort(
            "log retention",
            logs.put_retention_policy,
            logGroupName=name,
            retentionInDays=int(props["RetentionInDays"]),
        )
    d.resolver.register(lid, name, Arn=d.arn("logs", f"log-group:{name}:*"))


def _layer(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    layer = d.client("lambda").publish_layer_version(
        LayerName=d.name(lid, props, "LayerName"),
        Content={"ZipFile": _placeholder_zip()},
        **_pick(props, "Description", "CompatibleRuntimes", "CompatibleArchitectures"),
    )
    d.resolver.register(lid, layer["LayerVersionArn"])


def _function(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    name = d.name(lid, props, "FunctionName")
    variables = {
        k: as_text(v) for k, v in (props.get("Environment") or {}).get("Variables", {}).items()
    }
    params: dict[str, Any] = {
        "FunctionName": name,
        "Role": props.get("Role") or d.role_arn(),
        "Runtime": props.get("Runtime", "python3.12"),
        "Handler": props["Handler"],
        "Code": {"ZipFile": _placeholder_zip()},
        "Environment": {"Variables": variables},
        **_pick(props, "Description", "Timeout", "MemorySize", "Architectures", "Layers"),
    }
    if "KmsKeyArn" in props:
        params["KMSKeyArn"] = props["KmsKeyArn"]
    if "Tracing" in props:
        params["TracingConfig"] = {"Mode": props["Tracing"]}
    if "DeadLetterQueue" in props:
        params["DeadLetterConfig"] = {"TargetArn": props["DeadLetterQueue"]["TargetArn"]}
    lam = d.client("lambda")
    arn = lam.create_function(**params)["FunctionArn"]
    if "ReservedConcurrentExecutions" in props:
        d.best_effort(
            "reserved concurrency",
            lam.put_function_concurrency,
            FunctionName=name,
            ReservedConcurrentExecutions=int(props["ReservedConcurrentExecutions"]),
        )
    d.resolver.register(lid, name, Arn=arn)
    if "AutoPublishAlias" in props:
        # SAM's `!Ref <Function>.Alias`: the alias's ARN. moto publishes no versions here, and
        # the local stack runs the code in place: the function itself.
        d.resolver.register(f"{lid}.Alias", arn)
    d.functions[lid] = function_spec(lid, name, arn, props)


def _rest_api(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    # Only an id for requestContext.apiId and !Ref: the local gateway serves the routes.
    api = d.client("apigateway").create_rest_api(name=d.name(lid, props, "Name"))
    d.resolver.register(lid, api["id"], RootResourceId=api["rootResourceId"])
    d.resolver.register(f"{lid}.Stage", str(props.get("StageName", "Prod")))  # !Ref Api.Stage


def _state_machine(d: Deployer, lid: str, props: dict[str, Any]) -> None:
    if "DefinitionUri" in props:
        text = (d.template.root / str(props["DefinitionUri"])).read_text(encoding="utf-8")
        definition = yaml.safe_load(text)  # ASL in JSON or YAML
    else:
        definition = props["Definition"]
    text = json.dumps(definition)
    for key, value in (props.get("DefinitionSubstitutions") or {}).items():
        text = text.replace("${" + key + "}", as_text(value))
    name = d.name(lid, props, "Name")
    machine = d.client("stepfunctions").create_state_machine(
        name=name,
        definition=text,
        roleArn=props.get("Role") or d.role_arn(),
        type=props.get("Type", "STANDARD"),
    )
    d.resolver.register(lid, machine["stateMachineArn"], Arn=machine["stateMachineArn"], Name=name)


CREATORS: dict[str, Creator] = {
    "AWS::KMS::Key": _kms_key,
    "AWS::KMS::Alias": _kms_alias,
    "AWS::DynamoDB::Table": _dynamodb_table,
    "AWS::S3::Bucket": _s3_bucket,
    "AWS::S3::BucketPolicy": _s3_bucket_policy,
    "AWS::SQS::Queue": _sqs_queue,
    "AWS::Cognito::UserPool": _user_pool,
    "AWS::Cognito::UserPoolClient": _user_pool_client,
    "AWS::Cognito::UserPoolGroup": _user_pool_group,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::SES::EmailIdentity": _ses_identity,
    "AWS::Logs::LogGroup": _log_group,
    "AWS::Serverless::LayerVersion": _layer,
    "AWS::Serverless::Function": _function,
    "AWS::Serverless::Api": _rest_api,
    "AWS::Serverless::StateMachine": _state_machine,
}


# ------------------------------------------------------------------------- event sources
Events = list[tuple[str, str, dict[str, Any]]]


def _s3_events(d: Deployer, events: Events) -> None:
    """SAM `Type: S3` events become the bucket's notification configuration (one per bucket)."""
    per_bucket: dict[str, list[dict[str, Any]]] = {}
    for function_id, _, props in events:
        names = props["Events"] if isinstance(props["Events"], list) else [props["Events"]]
        config: dict[str, Any] = {
            "LambdaFunctionArn": d.functions[function_id].arn,
            "Events": names,
        }
        rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules")
        if rules:
            config["Filter"] = {"Key": {"FilterRules": rules}}
        per_bucket.setdefault(props["Bucket"], []).append(config)
    for bucket, configs in per_bucket.items():
        d.client("s3").put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": configs}
        )


def _sqs_events(d: Deployer, events: Events) -> None:
    for function_id, _, props in events:
        d.client("lambda").create_event_source_mapping(
            EventSourceArn=props["Queue"],
            FunctionName=d.functions[function_id].arn,
            BatchSize=int(props.get("BatchSize", 10)),
            Enabled=bool(props.get("Enabled", True)),
        )


def _dynamodb_events(d: Deployer, events: Events) -> None:
    """Kept for the stack's stream poller: moto's own delivery runs inside the write."""
    d.stream_mappings.extend(
        StreamMapping.of(function_id, props) for function_id, _, props in events
    )


EVENT_WIRERS: dict[str, Callable[[Deployer, Events], None]] = {
    "S3": _s3_events,
    "SQS": _sqs_events,
    "DynamoDB": _dynamodb_events,
}
