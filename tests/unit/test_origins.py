"""CORS_ALLOWED_ORIGINS is read as browsers write origins, or refused at startup."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.origins import allowed_origins


def test_origins_are_written_as_a_browser_sends_them() -> None:
    configured = [
        "https://a.example",
        " https://b.example",
        "https://c.example/",
        "HTTPS://D.Example:443",
        "http://localhost:3000",
        "",
    ]
    assert allowed_origins(configured) == [
        "https://a.example",
        "https://b.example",
        "https://c.example",
        "https://d.example",
        "http://localhost:3000",
    ]


@pytest.mark.parametrize(
    "entry",
    [
        "https://a.example/app",
        "https://a.example?x=1",
        "https://a.example#top",
        "https://user@a.example",
        "ftp://a.example",
        "a.example",
        "https://a.example:port",
    ],
)
def test_an_entry_that_is_no_origin_is_refused(entry: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="is not an origin"):
        allowed_origins([entry])
