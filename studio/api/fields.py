from collections.abc import Mapping
from typing import Any

from rest_framework import serializers

from studio.db import ID_MAX
from studio.search import SEARCH_MAX


class StrictInput:
    """A request body's serializer (mixed in before DRF's): a field the request does not take
    is a 400 that names it, never ignored, as a client that sends one believes it changed
    something (a garment's SKU, say). A read-only field is taken and ignored, so that what a GET
    answered can be sent back."""

    fields: Any

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                takes = ", ".join(
                    name for name, field in self.fields.items() if not field.read_only
                )
                message = f"Unknown field; the fields are {takes}."
                raise serializers.ValidationError({name: [message] for name in unknown})
        return super().to_internal_value(data)  # type: ignore[misc]


class Input(StrictInput, serializers.Serializer[object]):
    """A request body."""


class IdField(serializers.IntegerField):
    """A row's id, as an input or a filter: 1 to the largest key a column holds. Past that it is
    a 400 that names the field, never a database error."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=1, max_value=ID_MAX, **kwargs)


class SlugRelated(serializers.SlugRelatedField[Any]):
    """A row named by its slug, as an input. Text no slug can hold (a NUL, which PostgreSQL
    cannot even compare) is the field's 400, never a database error."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid")
        return super().to_internal_value(data)


def search_filter(help_text: str) -> serializers.CharField:
    """A list's ``q``: the same limit on every list, a longer search a 400 that names it."""
    return serializers.CharField(
        required=False, allow_blank=True, max_length=SEARCH_MAX, help_text=help_text
    )


def strings(choices: Any = None, **kwargs: Any) -> serializers.ListField:
    """An answer's list of codes kept in a JSON column (markets, channels, sizes...): typed in
    the schema, where a model's JSONField would say nothing of its shape."""
    child = serializers.ChoiceField(choices) if choices else serializers.CharField()
    return serializers.ListField(child=child, read_only=True, **kwargs)


def free_form(**kwargs: Any) -> serializers.DictField:
    """An answer's object whose keys are what a backend or an event chose to record."""
    return serializers.DictField(read_only=True, **kwargs)
