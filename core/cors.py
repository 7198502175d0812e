"""CORS with origins compared exactly (API.md, "Browsers (CORS)").

django-cors-headers matches an Origin by its scheme and host:port alone, so
`http://localhost:3000/evil` or `http://localhost:3000?x=1` would be answered as
`http://localhost:3000`. No browser sends those, but the contract says any other origin
gets no `Access-Control-Allow-Origin`: an Origin is admitted only when it is, character
for character, one of CORS_ALLOWED_ORIGINS (an origin is a scheme, a host and a port).
"""

from __future__ import annotations

from urllib.parse import SplitResult

from corsheaders.conf import conf
from corsheaders.middleware import CorsMiddleware


class ExactOriginCorsMiddleware(CorsMiddleware):
    """django-cors-headers' middleware, admitting only the exact listed origins."""

    def origin_found_in_white_lists(self, origin: str, url: SplitResult) -> bool:
        """Tell whether the Origin header is exactly one of the allowed origins."""
        return origin in conf.CORS_ALLOWED_ORIGINS
