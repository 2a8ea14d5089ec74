from typing import Any

from rest_framework import serializers

from studio.db import ID_MAX


class IdField(serializers.IntegerField):
    """A row's id, as an input or a filter: 1 to the largest key a column holds. Past that it is
    a 400 that names the field, never a database error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)
