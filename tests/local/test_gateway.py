"""The gateway's pure parts: routes from the template, proxy events, proxy responses, claims
(the website it serves: tests/local/test_website.py)."""

import base64
import json
import time

import jwt
import pytest
from moto.utilities.utils import load_resource
from werkzeug.test import Client, EnvironBuilder
from werkzeug.wrappers import Request

from infra.local import auth
from infra.local.auth import CognitoAuthorizer, Unauthorized, api_gateway_claims
from infra.local.gateway import Gateway, LocalSettings
from infra.local.lambdas import FunctionRegistry
from infra.local.proxy import build_event, to_response
from infra.local.routes import (
    Route,
    compile_path,
    find_route,
    load_apis,
    load_routes,
    path_is_routed,
)
from infra.local.template import REPO_ROOT, Resolver, load_template


def route(resource: str, method: str = "GET", function: str = "Fn") -> Route:
    return Route(resource, method, function, "Api", "Auth", compile_path(resource))


ROUTES = sorted(
    [
        route("/me/{proxy+}", "ANY", "Proxy"),
        route("/me"),
        route("/me/documents/{id}", "GET", "Document"),
        route("/me/documents/{id}", "DELETE", "DeleteDocument"),
    ],
    key=lambda r: r.specificity,
)


@pytest.mark.parametrize(
    ("method", "path", "function", "params"),
    [
        ("GET", "/me", "Fn", {}),
        ("GET", "/me/documents/42", "Document", {"id": "42"}),
        ("DELETE", "/me/documents/42", "DeleteDocument", {"id": "42"}),
        ("PATCH", "/me/profile/allergies/1", "Proxy", {"proxy": "profile/allergies/1"}),
    ],
)
def test_the_most_specific_route_wins(method, path, function, params) -> None:
    found = find_route(ROUTES, method, path)
    assert found is not None
    assert (found[0].function, found[1]) == (function, params)


def test_a_resource_without_the_method_does_not_fall_back_to_a_greedy_one() -> None:
    # API Gateway picks the resource by path; POST /me/documents/42 is not the proxy's.
    assert find_route(ROUTES, "POST", "/me/documents/42") is None
    assert find_route(ROUTES, "POST", "/me") is None
    assert path_is_routed(ROUTES, "/me")


def test_proxy_needs_at_least_one_segment() -> None:
    assert route("/me/{proxy+}").match("/me") is None
    assert route("/me/{proxy+}").match("/me/") is None
    assert not path_is_routed(ROUTES, "/elsewhere")


def project_resolver() -> Resolver:
    """The project template, every resource registered with placeholder ids."""
    resolver = Resolver(load_template())
    for lid in resolver.template.resources:
        resolver.register(lid, f"ref-{lid}", Arn=f"arn-{lid}")
    resolver.register("PatientUserPool", "eu-west-3_pool", Arn="arn:.../userpool/eu-west-3_pool")
    return resolver


def test_routes_and_authorizers_come_from_the_project_template() -> None:
    resolver = project_resolver()
    apis = load_apis(resolver, "http://127.0.0.1:1")
    routes = load_routes(resolver, apis)

    assert {(r.method, r.resource, r.function, r.authorizer) for r in routes} == {
        ("GET", "/me", "RecordsFunction", "PatientAuthorizer"),
        ("ANY", "/me/{proxy+}", "RecordsFunction", "PatientAuthorizer"),
        ("ANY", "/me/agenda", "AgendaFunction", "PatientAuthorizer"),
        ("ANY", "/me/agenda/{proxy+}", "AgendaFunction", "PatientAuthorizer"),
        ("GET", "/directory/professionals", "RecordsFunction", "PatientAuthorizer"),
        ("GET", "/directory/professionals/{rpps}", "RecordsFunction", "PatientAuthorizer"),
        ("POST", "/enrollment/opposition", "EnrollmentFunction", None),
        ("POST", "/enrollment/activation", "EnrollmentFunction", None),
        ("POST", "/enrollment/code-requests", "EnrollmentFunction", None),
        ("GET", "/enrollment/help", "EnrollmentFunction", None),
        ("POST", "/accounts/code-requests", "EnrollmentFunction", None),
        ("POST", "/accounts/password", "EnrollmentFunction", None),
        ("POST", "/enrollment/space-requests", "EnrollmentFunction", "PatientAuthorizer"),
        ("ANY", "/operator/{proxy+}", "EnrollmentFunction", "OperatorAuthorizer"),
        ("ANY", "/pro/{proxy+}", "ProfessionalsFunction", "ProfessionalAuthorizer"),
        # Signed requests, checked by the function (no authorizer can see the body); all of
        # /fhir, so that the function answers in FHIR what no route serves.
        ("ANY", "/fhir", "PartnersFunction", None),
        ("ANY", "/fhir/{proxy+}", "PartnersFunction", None),
    }
    authorizer = apis["Api"].authorizers["PatientAuthorizer"]
    assert getattr(authorizer, "pool_id", None) == "eu-west-3_pool"
    assert apis["Api"].stage == "v1"
    cors = apis["Api"].cors or {}
    assert "Authorization" in cors["Access-Control-Allow-Headers"]
    assert not cors["Access-Control-Allow-Origin"].startswith("'")  # SAM's quotes removed


def test_a_missing_token_is_refused_before_any_key_is_fetched() -> None:
    authorizer = load_apis(project_resolver(), "http://127.0.0.1:1")["Api"].authorizers[
        "PatientAuthorizer"
    ]
    with pytest.raises(Unauthorized, match="missing token"):
        authorizer.claims({"Accept": "application/json"})


def pool_authorizer() -> tuple[CognitoAuthorizer, jwt.PyJWK]:
    """An authorizer holding the key moto's pools sign with (no JWKS fetch), and that key."""
    private = jwt.PyJWK.from_dict(load_resource("cognitoidp/resources/jwks-private.json"))
    public = jwt.PyJWK.from_dict(load_resource("cognitoidp/resources/jwks-public.json")["keys"][0])
    authorizer = CognitoAuthorizer(
        "Auth",
        "eu-west-3_pool",
        "eu-west-3",
        "http://127.0.0.1:1",
        _keys={public.key_id: public.key},
    )
    return authorizer, private


def id_token(authorizer: CognitoAuthorizer, key: jwt.PyJWK, sub: str, lifetime: int) -> str:
    now = int(time.time())
    claims = {"iss": authorizer.issuer, "sub": sub, "token_use": "id", "iat": now}
    return jwt.encode(
        {**claims, "exp": now + lifetime}, key.key, algorithm="RS256", headers={"kid": key.key_id}
    )


def test_a_remembered_token_is_refused_once_expired() -> None:
    authorizer, key = pool_authorizer()
    token = id_token(authorizer, key, "u1", lifetime=1)
    assert authorizer.claims({"Authorization": f"Bearer {token}"})["sub"] == "u1"
    assert authorizer.claims({"Authorization": token})["sub"] == "u1"  # remembered
    time.sleep(1.1)
    with pytest.raises(Unauthorized, match="token expired"):
        authorizer.claims({"Authorization": f"Bearer {token}"})


def test_tokens_are_verified_once_each_and_remembered_within_the_bound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(auth, "VERIFIED_TOKENS", 2)
    verified: list[str] = []
    decode = jwt.decode
    monkeypatch.setattr(
        auth.jwt, "decode", lambda token, *a, **k: verified.append(token) or decode(token, *a, **k)
    )
    authorizer, key = pool_authorizer()
    first, second, third = (id_token(authorizer, key, sub, 600) for sub in ("a", "b", "c"))
    for token in (first, first, second, first):
        authorizer.claims({"Authorization": token})
    assert verified == [first, second]
    authorizer.claims({"Authorization": third})  # over the bound: the oldest is forgotten
    assert authorizer.claims({"Authorization": first})["sub"] == "a"
    assert verified == [first, second, third, first]


def make_request(**kwargs) -> Request:
    return Request(EnvironBuilder(**kwargs).get_environ())


def test_the_event_has_every_field_of_the_rest_proxy_format() -> None:
    request = make_request(
        method="PATCH",
        path="/me/documents/42",
        query_string="tag=a&tag=b&limit=5",
        headers={"X-Space-Id": "s1", "Authorization": "Bearer t"},
        data=json.dumps({"title": "Compte rendu"}),
        content_type="application/json",
    )
    proxy = route("/me/{proxy+}", "ANY")

    event = build_event(
        request,
        proxy,
        {"proxy": "documents/42"},
        stage="v1",
        api_id="abc123",
        request_id="rid",
        claims={"sub": "u1"},
        account_id="123456789012",
    )

    assert event["resource"] == "/me/{proxy+}"
    assert event["path"] == "/me/documents/42"
    assert event["httpMethod"] == "PATCH"
    assert event["headers"]["X-Space-Id"] == "s1"
    assert event["multiValueHeaders"]["X-Space-Id"] == ["s1"]
    assert event["queryStringParameters"] == {"tag": "b", "limit": "5"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "limit": ["5"]}
    assert event["pathParameters"] == {"proxy": "documents/42"}
    assert event["stageVariables"] is None
    assert json.loads(event["body"]) == {"title": "Compte rendu"}
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert context["resourcePath"] == "/me/{proxy+}"
    assert (context["httpMethod"], context["stage"], context["requestId"]) == ("PATCH", "v1", "rid")
    assert (context["apiId"], context["accountId"]) == ("abc123", "123456789012")
    assert context["identity"]["sourceIp"]
    assert context["authorizer"] == {"claims": {"sub": "u1"}}
    assert context["path"] == "/me/documents/42"  # no stage prefix, as sam local


def test_an_open_route_without_body_or_query_has_nulls() -> None:
    event = build_event(
        make_request(path="/me"),
        route("/me"),
        {},
        stage="v1",
        api_id="a",
        request_id="r",
        claims=None,
        account_id="1",
    )
    assert event["body"] is None
    assert event["queryStringParameters"] is None
    assert event["multiValueQueryStringParameters"] is None
    assert event["pathParameters"] is None
    assert "authorizer" not in event["requestContext"]


def test_a_binary_body_is_base64_encoded() -> None:
    event = build_event(
        make_request(method="POST", path="/me", data=b"\xff\x00\xfe"),
        route("/me", "POST"),
        {},
        stage="v1",
        api_id="a",
        request_id="r",
        claims=None,
        account_id="1",
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == b"\xff\x00\xfe"


def test_proxy_responses_become_http_responses() -> None:
    response = to_response(
        {
            "statusCode": 201,
            "headers": {"Content-Type": "application/json", "ETag": '"3"'},
            "multiValueHeaders": {"Set-Cookie": ["a=1", "b=2"], "ETag": ['"3"']},
            "body": '{"ok": true}',
            "isBase64Encoded": False,
        }
    )
    assert response.status_code == 201
    assert response.headers.getlist("Set-Cookie") == ["a=1", "b=2"]
    assert response.headers.getlist("ETag") == ['"3"']  # not doubled
    assert response.get_json() == {"ok": True}


def test_base64_proxy_responses_are_decoded() -> None:
    body = base64.b64encode(b"%PDF-1.7").decode()
    response = to_response({"statusCode": 200, "body": body, "isBase64Encoded": True})
    assert response.get_data() == b"%PDF-1.7"


@pytest.mark.parametrize("result", [None, "text", {"body": "x"}, {"statusCode": "200"}])
def test_malformed_proxy_responses_are_refused(result) -> None:
    with pytest.raises(ValueError, match="malformed"):
        to_response(result)


def test_claims_are_strings_as_api_gateway_passes_them() -> None:
    claims = api_gateway_claims(
        {
            "sub": "u1",
            "email_verified": True,
            "exp": 1550693519,
            "iat": 1550689919,
            "auth_time": 1550689919,
            "cognito:groups": ["a", "b"],
            "custom:ins": "285057505612345",
        }
    )
    assert claims == {
        "sub": "u1",
        "email_verified": "true",
        "exp": "Wed Feb 20 20:11:59 UTC 2019",
        "iat": "Wed Feb 20 19:11:59 UTC 2019",
        "auth_time": "1550689919",
        "cognito:groups": "a,b",
        "custom:ins": "285057505612345",
    }


def test_the_handlers_content_type_replaces_the_default() -> None:
    response = to_response(
        {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["text/html"]}, "body": "<p>"}
    )
    assert response.headers.getlist("Content-Type") == ["text/html"]
    assert to_response({"statusCode": 204}).headers["Content-Type"] == "application/json"


# ------------------------------------------------------------------------ gateway answers
def test_the_gateways_own_answers_are_shaped_as_the_handlers() -> None:
    """template.yaml's GatewayResponses and the local gateway's refusals: {code, message} and
    the handlers' security headers, so that a client reads every refusal the same way."""
    from healthspace.api.common import SECURITY_HEADERS
    from infra.local.proxy import error

    answers = load_template().properties("Api")["GatewayResponses"]
    assert {"DEFAULT_4XX", "DEFAULT_5XX"} <= set(answers)
    for kind, answer in answers.items():
        headers = answer["ResponseParameters"]["Headers"]
        declared = {name: headers[name].strip("'") for name in SECURITY_HEADERS}
        assert declared == SECURITY_HEADERS, kind
        assert "Access-Control-Allow-Origin" in headers, kind
        body = answer["ResponseTemplates"]["application/json"]
        filled = body.replace("$context.error.responseType", "THROTTLED")
        filled = filled.replace("$context.error.messageString", '"Too Many Requests"')
        assert set(json.loads(filled)) == {"code", "message"}, kind
    assert answers["MISSING_AUTHENTICATION_TOKEN"]["StatusCode"] == 404  # REST APIs say 403
    refused = error(401, "UNAUTHORIZED", "missing token")
    assert SECURITY_HEADERS.items() <= dict(refused.headers).items()
    assert set(json.loads(refused.get_data())) == {"code", "message"}


def test_an_unsigned_partner_request_is_refused_before_the_function_runs() -> None:
    """The request validator of the /fhir routes (template.yaml RequestParameters): without the
    signature's headers the gateway answers 400 itself; no function exists here to answer."""
    resolver = project_resolver()
    apis = load_apis(resolver, "http://127.0.0.1:1")
    settings = LocalSettings(
        login_client_id=None,
        docs_function=None,
        web_dir=REPO_ROOT / "web",
        site_headers={},
        config={},
        env={},
        account_id="123456789012",
        region="eu-west-3",
    )
    gateway = Client(
        Gateway(load_routes(resolver, apis), apis, {}, FunctionRegistry({}, {}), settings)
    )

    unsigned = gateway.get("/fhir/DocumentReference", headers={"Signature-Input": "sig1=()"})

    assert unsigned.status_code == 400
    assert json.loads(unsigned.get_data()) == {
        "code": "BAD_REQUEST_PARAMETERS",
        "message": "Missing required request parameters: [Signature]",
    }
    signed = {"Signature": "sig1=:AA==:", "Signature-Input": "sig1=()"}
    # past the validator: the (absent) function is called
    assert gateway.get("/fhir/DocumentReference", headers=signed).status_code == 502
