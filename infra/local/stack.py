"""The local stack: moto playing AWS, every resource of template.yaml, the API gateway, the
website and the demo accounts in this process; each function's instances in worker processes.

    with LocalStack(port=0) as stack:  # port 0: any free port
        httpx.get(f"{stack.api_url}/me", headers={"Authorization": f"Bearer {token}"})

Every function runs as in Lambda, its instances alone with their module state: worker processes
that import only its handler, with its own environment, and call moto over its endpoint
(infra/local/lambdas.py, infra/local/workers.py): API_INSTANCES each for a function serving API
routes, one for the others (`instances` changes a function's). The gateway, moto's S3
notifications, SQS mappings and Step Functions tasks, and the stream poller all invoke them.
`in_process=True` imports the handlers into this process instead (for what must see their AWS
calls: the IAM recorder, the benches counting requests), one invocation at a time per module.

While running, this process's environment points every boto3/botocore/PynamoDB client at moto
(AWS_ENDPOINT_URL, region eu-west-3, dummy credentials, MOTO_PORT), and holds the Globals
variables of the functions (TABLE_NAME...), and moto's DynamoDB runs with the workarounds of
infra/local/moto_dynamodb.py (transactions without table copies). stop() stops the workers and
restores the environment, moto's Lambda invocation and its DynamoDB, so tests using mock_aws
afterwards are unaffected.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager, suppress
from functools import partial
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from infra.local.auth import CognitoAuthorizer
from infra.local.demo.people import SeededUser
from infra.local.demo.users import seed
from infra.local.gateway import Gateway, LocalSettings
from infra.local.lambdas import FunctionRegistry, Handler, moto_invokes_in_process
from infra.local.moto_dynamodb import forget_stream_records, moto_dynamodb_workarounds
from infra.local.resources import Deployer, as_text
from infra.local.restores import RestoreClock
from infra.local.routes import ApiSpec, Route, load_apis, load_routes
from infra.local.schedules import Ticker, load_schedules
from infra.local.streams import StreamPoller
from infra.local.template import (
    ACCOUNT_ID,
    DEFAULT_TEMPLATE,
    REGION,
    REPO_ROOT,
    Resolver,
    Template,
    layer_dirs,
    load_template,
    walk_events,
)
from infra.local.viewer import LocalViewer, new_signing_key, store_signing_key
from infra.local.website import distribution_headers, site_headers

log = logging.getLogger(__name__)

API_INSTANCES = 2  # per function serving API routes: concurrent requests use both cores
DOCS_FUNCTION = "RecordsFunction"  # serves /docs and /openapi.json (Powertools enable_swagger)
_LOCAL_ENV = {
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "AWS_ACCESS_KEY_ID": "local",
    "AWS_SECRET_ACCESS_KEY": "local",  # moto accepts any
    "POWERTOOLS_TRACE_DISABLED": "true",  # no X-Ray daemon here
    # moto's Step Functions compares Wait timestamps with the local time: make it UTC.
    "TZ": "UTC",
}
# Variables that would send clients elsewhere than moto.
_UNSET_ENV = ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class LocalStack:
    """Start with start() or `with`; everything runs in this process, on 127.0.0.1 only."""

    def __init__(
        self,
        port: int = 3000,
        *,
        template_path: Path = DEFAULT_TEMPLATE,
        web_dir: Path | None = None,
        handlers: Mapping[str, Handler] | None = None,
        demo: bool = True,
        docs_function: str | None = DOCS_FUNCTION,
        parameters: Mapping[str, str] | None = None,
        stream_poll_seconds: float | None = 0.5,
        in_process: bool = False,
        instances: Mapping[str, int] | None = None,
        function_logs: Path | None = None,
        schedule_seconds: float | None = None,
    ) -> None:
        """handlers: stand-ins by function logical id (tests), called in this process; the
        others run in worker processes, or are imported here if in_process.
        instances: worker processes by function logical id, over the defaults (API_INSTANCES
        for a function serving API routes, 1 for the others).
        function_logs: the file the workers' output (the functions' logs) goes to; None: this
        process's stdout and stderr.
        parameters: template parameter values, as `sam deploy --parameter-overrides` (e.g. a
        benchmark's EnrollmentWindow); they win over the local stack's own (WebOrigin).
        stream_poll_seconds: how often DynamoDB streams are delivered to their functions; None:
        only when deliver_streams() is called (a benchmark counting each delivery's requests).
        schedule_seconds: how often the template's schedules fire (infra/local/schedules.py);
        None: only when fire() is called (EventBridge never fires in moto)."""
        self.port = port
        self.template_path = template_path
        self.web_dir = web_dir or REPO_ROOT / "web"
        self.demo = demo
        self.docs_function = docs_function
        self._overrides = dict(handlers or {})
        self.parameters = dict(parameters or {})
        self.stream_poll_seconds = stream_poll_seconds
        self.in_process = in_process
        self._instances = dict(instances or {})
        self.function_logs = function_logs
        self._exit = ExitStack()
        self._moto: ThreadedMotoServer | None = None
        self._gateway: Gateway | None = None
        self._viewer: LocalViewer | None = None
        self._streams: StreamPoller | None = None
        self._restores: RestoreClock | None = None
        self._ticker: Ticker | None = None
        self.schedule_seconds = schedule_seconds
        self.template: Template | None = None
        self.resolver: Resolver | None = None
        self.registry: FunctionRegistry | None = None
        self.demo_users: list[SeededUser] = []
        self.user_pool_id: str | None = None
        self.login_client_id: str | None = None
        self.routes: list[Route] = []
        self.shared_env: dict[str, str] = {}

    # ------------------------------------------------------------------------ lifecycle
    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Idempotent; restores what start() changed in this process."""
        if self._ticker is not None:
            self._ticker.stop()
            self._ticker = None
        if self._streams is not None:
            self._streams.stop()
            self._streams = None
        if self._restores is not None:
            self._restores.stop()
            self._restores = None
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._viewer is not None:
            self._viewer.stop()
            self._viewer = None
        if self._moto is not None:
            # moto's config is global to the process: back to its default.
            with suppress(OSError):
                self._moto_api("config", {"stepfunctions": {"execute_state_machine": False}})
        self._exit.close()  # moto's Lambda invocation, then the environment
        if self._moto is not None:
            self._moto.stop()
            self._moto = None

    def _start(self) -> None:
        self.template = load_template(self.template_path)
        _check_parameters(self.template, self.parameters)
        _check_layers_importable(self.template)
        self._start_moto()
        if self.port == 0:
            self.port = free_port()
        # The documents' own origin (infra/local/viewer.py): another port, another origin.
        viewer_port = free_port()
        signing_key, public_key = new_signing_key()
        # The website is served by the gateway: its origin is the one CORS must allow (uploads
        # go straight from the browser to the quarantine bucket). Partners call it too, and sign
        # its URL.
        origin = {
            "WebOrigin": f"http://127.0.0.1:{self.port}",
            "PartnerBaseUrl": f"http://127.0.0.1:{self.port}",
            # The local-only patients' client /local/login signs in with (template.yaml).
            "LocalPasswordLogin": "true",
            "ViewerOrigin": f"http://127.0.0.1:{viewer_port}",
            "ViewerPublicKeyPem": public_key,
        }
        self.resolver = Resolver(self.template, parameters={**origin, **self.parameters})
        deployer = Deployer(self.template, self.resolver)
        deployer.deploy()
        store_signing_key(self.resolver.refs["ViewerSigningKey"], signing_key)
        self._viewer = LocalViewer(
            viewer_port,
            bucket=self.resolver.refs["DownloadsBucket"],
            public_key_pem=public_key,
            key_pair_id=self.resolver.refs["ViewerPublicKey"],
            headers=distribution_headers(self.resolver, "DocumentViewer"),
        )
        self._viewer.start()
        self._load_functions(deployer)
        assert self.registry is not None
        self._streams = StreamPoller(
            self.registry,
            deployer.stream_mappings,
            REGION,
            forget=partial(forget_stream_records, ACCOUNT_ID, REGION),
        )
        self._restores = RestoreClock(self.resolver.refs["ArchiveBucket"])
        if self.stream_poll_seconds is not None:
            self._streams.start(self.stream_poll_seconds)
            self._restores.start(max(self.stream_poll_seconds, 2.0))
        self._ticker = Ticker(load_schedules(self.template, self.resolver), self.registry.invoke)
        if self.schedule_seconds is not None:
            self._ticker.start(self.schedule_seconds)
        apis = load_apis(self.resolver, self.aws_endpoint_url)
        self.routes = load_routes(self.resolver, apis)
        self.user_pool_id = _authorizer_pool(self.routes, apis)
        self.login_client_id = self._password_client(self.user_pool_id)
        if self.demo and self.user_pool_id:
            self.demo_users = seed(boto3.client("cognito-idp"), self.user_pool_id)
        self._start_gateway(apis)

    def _start_moto(self) -> None:
        self._moto = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._moto.start()
        _, moto_port = self._moto.get_host_and_port()
        local = {"AWS_ENDPOINT_URL": self.aws_endpoint_url, "MOTO_PORT": str(moto_port)}
        self._exit.enter_context(_patched_environment({**_LOCAL_ENV, **local}))
        self._moto_api("reset", None)  # a previous stack in this process left its resources
        # After the reset, which empties moto's instance registries (the workarounds' too).
        self._exit.enter_context(moto_dynamodb_workarounds())
        self._moto_api("config", {"stepfunctions": {"execute_state_machine": True}})

    def _load_functions(self, deployer: Deployer) -> None:
        assert self.template is not None and self.resolver is not None
        variables = self.template.globals.get("Function", {}).get("Environment", {})
        shared = self.resolver.resolve(variables.get("Variables", {}))
        self.shared_env = {k: as_text(v) for k, v in shared.items()}
        os.environ.update(self.shared_env)  # undone with the environment patch on stop()
        if self.in_process:
            # Powertools reads its namespace when the Metrics object is made: this process made
            # it on importing the stack (demo data, the proxy), before the Globals were set.
            from healthspace.kernel.observability import metrics

            metrics.namespace = self.shared_env.get("POWERTOOLS_METRICS_NAMESPACE")
        self.registry = FunctionRegistry(
            deployer.functions,
            self.shared_env,
            self._overrides,
            instances=None if self.in_process else self.instance_counts(),
            logs=self.function_logs,
        )
        self.registry.load(layer_dirs(self.template))
        self._exit.enter_context(moto_invokes_in_process(self.registry))
        self._exit.callback(self.registry.close)  # first on stop: moto still answers them

    def instance_counts(self) -> dict[str, int]:
        """Worker processes per function: API_INSTANCES for those serving API routes, one for
        the others, then what the stack was given."""
        assert self.template is not None
        serving = {function for function, _, _ in walk_events(self.template, "Api")}
        functions = self.template.of_type("AWS::Serverless::Function")
        counts = {f.logical_id: API_INSTANCES if f.logical_id in serving else 1 for f in functions}
        unknown = set(self._instances) - counts.keys()
        if unknown:
            raise ValueError(f"instances for functions not in the template: {sorted(unknown)}")
        return {**counts, **self._instances}

    def _start_gateway(self, apis: Mapping[str, ApiSpec]) -> None:
        assert self.resolver is not None and self.registry is not None
        assert self.template is not None
        documented = self.docs_function in self.registry.specs
        settings = LocalSettings(
            login_client_id=self.login_client_id,
            docs_function=self.docs_function if documented else None,
            web_dir=self.web_dir,
            site_headers=site_headers(self.resolver),
            config={
                "region": REGION,
                "userPoolId": self.user_pool_id,
                "userPoolClientId": self.login_client_id,
                "loginUrl": "/local/login",
                # How the site signs in (web/auth.js): through these helpers, not Cognito's API.
                "auth": "local",
                "refreshUrl": "/local/refresh",
                "logoutUrl": "/local/logout",
            },
            env={**self.shared_env, **_LOCAL_ENV, "AWS_ENDPOINT_URL": self.aws_endpoint_url},
            account_id=ACCOUNT_ID,
            region=REGION,
        )
        api_ids = {lid: self.resolver.refs.get(lid, "local") for lid in apis}
        self._gateway = Gateway(self.routes, apis, api_ids, self.registry, settings, self.port)
        self._gateway.start()

    # ----------------------------------------------------------------------- public view
    @property
    def api_url(self) -> str:
        """Base URL of the API, the website and the local helpers."""
        assert self._gateway is not None, "start() first"
        return self._gateway.url

    @property
    def viewer_url(self) -> str:
        """The documents' own origin (documents shown on screen)."""
        assert self._viewer is not None, "start() first"
        return self._viewer.origin

    @property
    def aws_endpoint_url(self) -> str:
        """moto's endpoint, for boto3 clients or `aws --endpoint-url`."""
        assert self._moto is not None, "start() first"
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def ref(self, logical_id: str) -> str:
        """What !Ref returns for a resource of the template (table name, bucket name...)."""
        assert self.resolver is not None, "start() first"
        return self.resolver.refs[logical_id]

    def invoke(self, function: str, event: Any) -> Any:
        """Invoke a function (an instance of it, or its handler here), by logical id or name."""
        assert self.registry is not None, "start() first"
        return self.registry.invoke(function, event)

    def complete_restores(self) -> int:
        """Complete the archive restores asked for so far (infra/local/restores.py): S3's
        twelve hours, at once; its restore-completed events reach their function."""
        assert self._restores is not None, "start() first"
        return self._restores.complete()

    def fire(self, logical_id: str) -> str:
        """Fire a schedule of the template now, as EventBridge would (infra/local/schedules.py):
        the execution's ARN for a state machine's."""
        assert self._ticker is not None, "start() first"
        return self._ticker.fire(logical_id)

    def deliver_streams(self) -> int:
        """Deliver every DynamoDB stream record written so far to its functions, in this
        thread (the poller does it every `stream_poll_seconds`; tests call this rather than
        wait). The records delivered."""
        assert self._streams is not None, "start() first"
        return self._streams.drain()

    # ------------------------------------------------------------------------- internals
    def _moto_api(self, action: str, body: Any) -> None:
        data = json.dumps(body).encode() if body is not None else b""
        request = urllib.request.Request(  # noqa: S310 (http on 127.0.0.1, built here)
            f"{self.aws_endpoint_url}/moto-api/{action}", data=data, method="POST"
        )
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=10):
            pass

    def _password_client(self, pool_id: str | None) -> str | None:
        """The client of the pool that allows USER_PASSWORD_AUTH (for /local/login)."""
        assert self.template is not None and self.resolver is not None
        for client in self.template.of_type("AWS::Cognito::UserPoolClient"):
            if not self.resolver.creates(client.logical_id):
                continue
            props = self.resolver.resolve(client.properties)
            flows = props.get("ExplicitAuthFlows") or []
            if props.get("UserPoolId") == pool_id and (
                "ALLOW_USER_PASSWORD_AUTH" in flows or "USER_PASSWORD_AUTH" in flows
            ):
                return self.resolver.refs[client.logical_id]
        return None


def _authorizer_pool(routes: list[Route], apis: Mapping[str, ApiSpec]) -> str | None:
    """The user pool guarding the API (the first Cognito authorizer of a route)."""
    for route in routes:
        authorizer = apis[route.api].authorizers.get(route.authorizer or "")
        if isinstance(authorizer, CognitoAuthorizer):
            return authorizer.pool_id
    return None


def _check_parameters(template: Template, values: Mapping[str, str]) -> None:
    """Refuse what CloudFormation would: an unknown parameter, or a value outside its pattern."""
    for name, value in values.items():
        declared = template.parameters.get(name)
        if declared is None:
            raise ValueError(f"template parameter {name!r} does not exist")
        pattern = declared.get("AllowedPattern")
        if pattern is not None and not re.fullmatch(pattern, value):
            raise ValueError(f"parameter {name}={value!r} does not match {pattern}")


def _check_layers_importable(template: Template) -> None:
    """Lambda puts the layers on the import path; here PYTHONPATH must (see __main__)."""
    on_path = {Path(p).resolve() for p in sys.path if p}
    missing = [d for d in layer_dirs(template) if d.resolve() not in on_path]
    if missing:
        raise RuntimeError(
            f"layer directories not on the import path: {[str(d) for d in missing]}; "
            "set PYTHONPATH (python -m infra.local does it for you)"
        )


@contextmanager
def _patched_environment(values: Mapping[str, str]) -> Iterator[None]:
    """Set variables (unsetting those that would bypass moto); restore everything on exit."""
    saved = dict(os.environ)
    for key in list(os.environ):
        if key in _UNSET_ENV or key.startswith("AWS_ENDPOINT_URL_"):
            del os.environ[key]
    os.environ.update(values)
    time.tzset()  # TZ may have changed
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        time.tzset()
