"""moto_server, with its SigV4 check reading the request target as the client sent it.

moto 5.2.1 rebuilds the request it verifies from werkzeug's decoded URL (an IRI), so the path
`/b/%C3%BC.txt` is checked as `/b/ü.txt` and `%2B`, `%28`, `%2F` in paths and queries come back
decoded: every key with a non-ASCII or reserved character fails with SignatureDoesNotMatch, even
for boto3 and the aws command. Real S3 canonicalises the URI as sent. This launcher hands moto's
checker the raw target (werkzeug's RAW_URI) and changes nothing else: the signature is still
recomputed from the secret and compared, and a wrong secret is still refused.

moto 5.2.1 also cannot check a presigned URL (SigV4 in the query string, no Authorization
header: its checker fails with a KeyError, a 500). This launcher verifies those itself with
botocore's own S3SigV4QueryAuth (an implementation independent of ours): the signature is
recomputed from the user's secret over the request as sent, the expiry is enforced, and the user's
policies are checked as for any request; a wrong signature is S3's 403 SignatureDoesNotMatch.

It fails loudly if moto's internals it relies on have moved, rather than run unchecked.
"""
import datetime
import sys
from urllib.parse import parse_qsl, urlencode, urlparse, urlunparse

from botocore.auth import S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core import authorization, responses
from moto.s3.exceptions import S3SignatureDoesNotMatchError

Mixin = authorization.ActionAuthenticatorMixin
original_setup = responses.BaseResponse.setup_class
original_check = Mixin._authenticate_and_authorize_action


def setup_class(self, request, full_url, headers, *args, **kwargs):
    environ = getattr(request, "environ", None) or {}
    self._raw_request_target = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    return original_setup(self, request, full_url, headers, *args, **kwargs)


def check(self, *args, **kwargs):
    raw = getattr(self, "_raw_request_target", None)
    if not raw:
        return original_check(self, *args, **kwargs)
    decoded = self.uri
    parts = urlparse(decoded)
    target = urlparse(raw)
    self.uri = urlunparse((parts.scheme, parts.netloc, target.path, "", target.query, ""))
    try:
        query = dict(parse_qsl(target.query, keep_blank_values=True))
        if "X-Amz-Signature" in query and "Authorization" not in self.headers \
                and authorization.ActionAuthenticatorMixin.request_count >= settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return check_presigned(self, parts, target, query, *args, **kwargs)
        return original_check(self, *args, **kwargs)
    finally:
        self.uri = decoded


def check_presigned(self, parts, target, query, iam_request_cls, resource="*"):
    """A SigV4 query-signed request (a presigned URL), checked with botocore."""
    access_key_id, date, region, service, _ = query.get("X-Amz-Credential", "////").split("/", 4)
    amz_date = query.get("X-Amz-Date", "")
    try:
        signed_at = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.timezone.utc)
        expires = int(query.get("X-Amz-Expires", "0"))
    except ValueError:
        raise S3SignatureDoesNotMatchError()
    if datetime.datetime.now(datetime.timezone.utc) > signed_at + datetime.timedelta(seconds=expires):
        raise S3SignatureDoesNotMatchError()
    signed_names = query.get("X-Amz-SignedHeaders", "host").split(";")
    headers = {k: v for k, v in self.headers.items() if k.lower() in signed_names}
    # The request as sent, without its signature: botocore recomputes it from the secret.
    unsigned = [(k, v) for k, v in parse_qsl(target.query, keep_blank_values=True) if k != "X-Amz-Signature"]
    url = urlunparse((parts.scheme, parts.netloc, target.path, "", urlencode(unsigned), ""))
    fake_authorization = f"AWS4-HMAC-SHA256 Credential={access_key_id}/{date}/{region}/{service}/aws4_request, SignedHeaders=host, Signature=x"
    iam = iam_request_cls(account_id=self.current_account, method=self.method, path=target.path, data=self.data,
                          body=self.raw_body, headers={**self.headers, "Authorization": fake_authorization},
                          action=self._get_action())
    credentials = iam._access_key.create_credentials()
    auth = S3SigV4QueryAuth(credentials, service, region, expires=expires)
    request = AWSRequest(method=self.method, url=url, headers=headers)
    request.context["timestamp"] = amz_date
    canonical = auth.canonical_request(request)
    signature = auth.signature(auth.string_to_sign(request, canonical), request)
    if signature != query["X-Amz-Signature"]:
        raise S3SignatureDoesNotMatchError()
    iam.check_action_permitted(resource)


responses.BaseResponse.setup_class = setup_class
Mixin._authenticate_and_authorize_action = check

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
