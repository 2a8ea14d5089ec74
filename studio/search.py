"""Search as people type it: without the accents. "ines" finds Inès Moreau, "bjorn" Bjørn, "cafe"
the Café look; a search with the accent finds the names without it too.

``matching(search, *fields)`` is the filter every list's search uses: one field or another holds
the search, case and accents aside. The database folds both sides with ``UNACCENT``: PostgreSQL's
unaccent extension (studio's migration 0003 creates it), and on the embedded SQLite a function of
the same name that each connection is given, which folds the letters PostgreSQL's rules fold.
"""

import unicodedata
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import CharField, Q, TextField, Transform

# Latin letters that are not a base letter plus a combining mark, so that decomposing them does
# not take their accent off; folded as PostgreSQL's unaccent.rules folds them.
LETTERS = str.maketrans(
    {
        "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "ß": "ss", "ł": "l",
        "Ł": "L", "đ": "d", "Đ": "D", "ð": "d", "Ð": "D", "þ": "th", "Þ": "TH", "ı": "i",
    }
)  # fmt: skip


class Unaccent(Transform):
    """``name__unaccent__icontains``: both sides folded (bilateral), as django.contrib.postgres
    folds them, on either database."""

    bilateral = True
    lookup_name = "unaccent"
    function = "UNACCENT"


def unaccent(text: str) -> str:
    """The SQLite side of UNACCENT: compatibility forms folded too, as PostgreSQL folds a ligature
    or a full-width letter. (A full-width ％ becomes %, and still no wildcard: Django escapes the
    search in SQL, after the fold.)"""
    decomposed = unicodedata.normalize("NFKD", text.translate(LETTERS))
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _sqlite_unaccent(text: str | None) -> str | None:
    """UNACCENT on SQLite, in lower case too: SQLite's LIKE folds the case of ASCII letters only,
    and this is only ever compared case-insensitively (PostgreSQL's side is in UPPER)."""
    return None if text is None else unaccent(text).lower()


def sqlite_functions(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On ``connection_created``: give an SQLite connection the UNACCENT function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("UNACCENT", 1, _sqlite_unaccent, deterministic=True)


def register() -> None:
    CharField.register_lookup(Unaccent)
    TextField.register_lookup(Unaccent)


SEARCH_MAX = 100  # the characters of a search that count; the API refuses a longer one


def matching(search: str, *fields: str) -> Q:
    """Rows where one of ``fields`` holds ``search`` (its first SEARCH_MAX characters), case and
    accents aside."""
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__unaccent__icontains": search[:SEARCH_MAX]})
    return found
