"""The OpenAPI schema says what every operation answers when it refuses, not only when it works.

drf-spectacular documents the success response alone, so a generated client knows nothing of
the studio's 4xx answers, and a reader of /api/docs/ has to guess their shape. Every operation
here also lists the errors it can answer with, in the shapes ``studio.api.exception_handler``
gives them, and the ``X-Brand`` header that picks the brand to work in.
"""

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from studio.api.fields import StrictInput


class ErrorSerializer(serializers.Serializer[Any]):
    """A refusal: what went wrong, in a sentence a person can act on."""

    code = serializers.CharField(
        required=False,
        help_text="A stable machine-readable reason (for example invalid, not_found, conflict, "
        "locked_out, image_too_large); absent where the refusal is DRF's own (signed out, a "
        "wrong password).",
    )
    detail = serializers.CharField()


FIELD_ERRORS = {
    "type": "object",
    "description": "The fields in error, each with its messages (`non_field_errors` for the "
    "request as a whole); a nested field's errors nest the same way.",
    "additionalProperties": {},
}

X_BRAND = OpenApiParameter(
    "X-Brand",
    location=OpenApiParameter.HEADER,
    required=False,
    description="The slug of the brand to work in, for a user with seats in several brands. "
    "Without it, the brand last chosen in the studio, else the user's first brand by name.",
)


def action_param(*actions: str) -> OpenApiParameter:
    """The ``<action>`` of an address like ``licenses/<id>/<action>/``: one of these words."""
    return OpenApiParameter(
        "action", str, location=OpenApiParameter.PATH, enum=actions, description="What to do."
    )


class StudioAutoSchema(AutoSchema):
    def get_override_parameters(self) -> list[Any]:
        return [*super().get_override_parameters(), X_BRAND]

    def _map_serializer(
        self, serializer: Any, direction: Any, bypass_extensions: bool = False
    ) -> Any:
        """A request body takes no field it does not name (``StrictInput`` refuses them; one
        that takes back the read-only fields of an answer says nothing)."""
        schema = super()._map_serializer(serializer, direction, bypass_extensions)
        instance = force_instance(serializer)
        if (
            direction == "request"
            and isinstance(instance, StrictInput)
            and not any(field.read_only for field in instance.fields.values())
        ):
            schema["additionalProperties"] = False
        return schema

    def _error(self, description: str, schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": description, "content": {"application/json": {"schema": schema}}}

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        error = self.resolve_serializer(ErrorSerializer, direction).ref
        errors = {
            "401": self._error(
                "The Basic credentials sent were refused (a wrong username or password): the "
                "WWW-Authenticate header says Basic.",
                error,
            ),
            "403": self._error(
                "Not signed in (no credentials sent), or the role may not do this.", error
            ),
            "404": self._error(
                "No such object among those you may see: the path's, or one the request "
                "names (or no such page). What is not yours is not found.",
                error,
            ),
            "429": self._error(
                "Too many failed sign-ins for this username from this address: the "
                "Retry-After header says in how many seconds to try again.",
                error,
            ),
        }
        writes = self.method in ("POST", "PUT", "PATCH", "DELETE")
        queried = any(param["in"] == "query" for param in self._get_parameters())
        if writes or queried:
            errors["400"] = self._error(
                "Bad input: nothing was changed.", {"anyOf": [error, FIELD_ERRORS]}
            )
        if writes:
            errors["409"] = self._error(
                "The object's state does not allow this now; nothing was changed.", error
            )
        return {**responses, **{code: errors[code] for code in sorted(errors)}}
