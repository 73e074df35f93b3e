"""moto_server, with its SigV4 check reading the request target as the client sent it.

moto 5.2.1 rebuilds the request it verifies from werkzeug's decoded URL (an IRI), so the path
`/b/%C3%BC.txt` is checked as `/b/ü.txt` and `%2B`, `%28`, `%2F` in paths and queries come back
decoded: every key with a non-ASCII or reserved character fails with SignatureDoesNotMatch, even
for boto3 and the aws command. Real S3 canonicalises the URI as sent. This launcher hands moto's
checker the raw target (werkzeug's RAW_URI) and changes nothing else: the signature is still
recomputed from the secret and compared, and a wrong secret is still refused.

It fails loudly if moto's internals it relies on have moved, rather than run unchecked.
"""
import sys
from urllib.parse import urlparse, urlunparse

from moto.core import authorization, responses

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
        return original_check(self, *args, **kwargs)
    finally:
        self.uri = decoded


responses.BaseResponse.setup_class = setup_class
Mixin._authenticate_and_authorize_action = check

if __name__ == "__main__":
    from moto.server import main

    sys.exit(main())
