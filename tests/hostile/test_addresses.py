"""L2: one address means one recipient. This held on main before the hostile round (the
address pattern refuses separators); the test keeps it so."""

from __future__ import annotations

import pytest

from bot.channels.registry import parse_target
from bot.records.target import TargetError


@pytest.mark.parametrize(
    "address",
    [
        "x@evil.example,postmaster",
        "x@evil.example, ada@example.org",
        "x@evil.example;ada@example.org",
        "x@evil.example ada@example.org",
        "Ada <ada@example.org>, x@evil.example",
        "x@evil.example\r\nBcc: ada@example.org",
    ],
)
def test_a_list_of_recipients_is_not_one_email_target(address: str) -> None:
    with pytest.raises(TargetError, match="is not an email address"):
        parse_target(f"email:{address}")


def test_one_address_is_one_lower_cased_recipient() -> None:
    assert parse_target("email:Ada@Example.org").address == "ada@example.org"
