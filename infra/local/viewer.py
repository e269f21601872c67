"""The documents' own origin as the viewer distribution serves it (template.yaml, DocumentViewer;
docs/viewer.md), on a port of its own: another origin than the website's, as in production.

For a GET or HEAD of /views/...: the link must be a CloudFront signed URL (canned policy:
Expires, Signature, Key-Pair-Id) signed with the private half of the key group's public key
(the ViewerPublicKeyPem parameter), before its expiry; the object is read from the downloads
bucket, under views/ only (the bucket policy's TheViewerReadsViews), and answered with its own
Content-Type and Content-Disposition and the headers of the distribution's response headers
policy (ViewerHeaders, read from the template, so the two cannot differ). Anything else is a
403, as CloudFront answers a missing or bad signature and S3 an object its policy hides.

The stack makes a new key pair at each start (`new_signing_key`): the public half goes to the
template's parameter, the private half to the ViewerSigningKey secret, where the records
function reads it as it would in the cloud.
"""

from __future__ import annotations

import base64
import logging
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import boto3
from botocore.exceptions import ClientError
from botocore.signers import CloudFrontSigner
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.wrappers import Request, Response

from infra.local.server import LoopbackServer

log = logging.getLogger(__name__)

PREFIX = "/views/"


def new_signing_key() -> tuple[str, str]:
    """A new RSA key pair for the viewer's links: (private PEM, public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private.decode(), public.decode()


def store_signing_key(secret_id: str, private_pem: str) -> None:
    """What the operator does once in the cloud (README, "Deploying")."""
    boto3.client("secretsmanager").put_secret_value(SecretId=secret_id, SecretString=private_pem)


def _cloudfront_b64decode(text: str) -> bytes:
    return base64.b64decode(text.replace("-", "+").replace("_", "=").replace("~", "/"))


class LocalViewer:
    """The viewer distribution on http://127.0.0.1:<port>; thread-safe."""

    def __init__(
        self,
        port: int,
        bucket: str,
        public_key_pem: str,
        key_pair_id: str,
        headers: Mapping[str, str],
    ) -> None:
        self._server = LoopbackServer(self, port, "local-viewer")
        self.bucket = bucket
        key = serialization.load_pem_public_key(public_key_pem.encode())
        if not isinstance(key, rsa.RSAPublicKey):
            raise ValueError("the viewer's public key must be RSA")
        self._key = key
        self.key_pair_id = key_pair_id
        self.headers = dict(headers)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.port}"

    def start(self) -> None:
        self._server.start()

    def stop(self) -> None:
        self._server.stop()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.answer(request)
        response.headers.update(self.headers)  # CloudFront's policy: on every answer
        log.info("viewer %s %s -> %s", request.method, request.path, response.status_code)
        return response(environ, start_response)

    def answer(self, request: Request) -> Response:
        if request.method not in ("GET", "HEAD"):
            return _denied(405, "MethodNotAllowed")
        refusal = self._refusal(request)
        if refusal is not None:
            log.info("viewer refused a link: %s", refusal)
            return _denied(403, "AccessDenied")
        if not request.path.startswith(PREFIX):
            return _denied(403, "AccessDenied")  # only views/ is the viewer's to read
        try:
            found = boto3.client("s3").get_object(Bucket=self.bucket, Key=request.path[1:])
        except ClientError:
            return _denied(403, "AccessDenied")  # S3 without ListBucket: absent is denied
        body = found["Body"].read()
        response = Response(body, content_type=found["ContentType"])
        for name, field in (
            ("Content-Disposition", "ContentDisposition"),
            ("Cache-Control", "CacheControl"),
        ):
            if field in found:
                response.headers[name] = found[field]
        response.headers["ETag"] = found["ETag"]
        return response.make_conditional(request, accept_ranges=True, complete_length=len(body))

    def _refusal(self, request: Request) -> str | None:
        """Why CloudFront would refuse this link (a trusted key group), if it would."""
        expires, signature, key_id = (
            request.args.get(name) for name in ("Expires", "Signature", "Key-Pair-Id")
        )
        if not (expires and signature and key_id):
            return "not a signed link"
        if key_id != self.key_pair_id:
            return "a key the key group does not hold"
        if not expires.isdigit() or int(expires) <= time.time():
            return "expired"
        resource = f"{self.origin}{request.path}"
        when = datetime.fromtimestamp(int(expires), UTC)
        policy = CloudFrontSigner(key_id, lambda _: b"").build_policy(resource, when)
        try:
            self._key.verify(
                _cloudfront_b64decode(signature),
                policy.encode(),
                padding.PKCS1v15(),
                hashes.SHA1(),  # noqa: S303 (what CloudFront verifies)
            )
        except (InvalidSignature, ValueError):
            return "bad signature"
        return None


def _denied(status: int, code: str) -> Response:
    body = f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code></Error>'
    return Response(body, status=status, content_type="text/xml")
