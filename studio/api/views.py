import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from csp.decorators import csp_update
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views import defaults
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio import selectors, services
from studio.api.fields import Input, free_form
from studio.enums import Perm, Role
from studio.errors import NotFound
from studio.middleware import brand_slug_for
from studio.models import AuditEvent, Brand, Membership
from studio.permissions import Actor, actor_for


def api_actor(request: Request) -> Actor:
    """The actor of an API request, however DRF signed it in. ActorMiddleware only sees a
    session; a client that sends Basic credentials is known to DRF alone, so its actor is built
    here, in the brand its `X-Brand` header names."""
    django_request = request._request
    actor: Actor | None = getattr(django_request, "actor", None)
    if actor is None:
        actor = actor_for(request.user, brand_slug_for(django_request))
        django_request.actor = actor  # type: ignore[attr-defined]
    return actor


class ChoiceFilter(serializers.ChoiceField):
    """A query-string choice whose refusal lists the values it takes."""

    def __init__(self, choices: Any, **kwargs: Any) -> None:
        super().__init__(choices, required=False, **kwargs)
        self.error_messages = {
            **self.error_messages,
            "invalid_choice": f'"{{input}}" is not one of: '
            f"{', '.join(str(c) for c in self.choices)}.",
        }


LIST_PARAMS = {"page", "format"}  # the pagination's, and DRF's choice of renderer


class NoFilters(serializers.Serializer[object]):
    """The filters of a list that has none: one given is refused by name, as a typo would be."""


def query_filters(
    serializer: type[serializers.Serializer[object]], request: Request
) -> dict[str, Any]:
    """A list's query-string filters, checked by ``serializer`` (which also documents them:
    ``extend_schema(parameters=[serializer])``): a bad value is a 400 that names it, never a
    silently wider or empty list; nor is a filter it does not have (a typo). A filter left empty
    is no filter."""
    filters = serializer(data=request.query_params)
    unknown = sorted(set(request.query_params) - set(filters.fields) - LIST_PARAMS)
    if unknown:
        message = (
            f"Unknown filter; the filters are {', '.join(filters.fields)}."
            if filters.fields
            else "Unknown filter; this list has none."
        )
        raise serializers.ValidationError({name: [message] for name in unknown})
    filters.is_valid(raise_exception=True)
    return dict(filters.validated_data)


class MembershipOutputSerializer(serializers.ModelSerializer[Membership]):
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "brand", "username", "role", "created_at"]


class MeApi(APIView):
    class OutputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "MeOutput"

        username = serializers.CharField()
        current_brand = serializers.CharField(allow_null=True)
        role = serializers.ChoiceField(choices=Role.choices, allow_null=True)
        memberships = MembershipOutputSerializer(many=True)

    @extend_schema(responses=OutputSerializer, summary="Who I am and which brands I work in")
    def get(self, request: Request) -> Response:
        actor = api_actor(request)
        data = {
            "username": request.user.get_username(),
            "current_brand": actor.brand.slug if actor.brand else None,
            "role": actor.role,
            "memberships": selectors.memberships_of(actor=actor),
        }
        return Response(self.OutputSerializer(data).data)


class MemberListApi(ListAPIView[Membership]):
    """Members of the current brand (brand admins). Adds a member on POST."""

    serializer_class = MembershipOutputSerializer

    class InputSerializer(Input):
        class Meta:
            ref_name = "MemberAddInput"

        username = serializers.CharField(max_length=150)
        role = serializers.ChoiceField(choices=Role.choices)

    def get_queryset(self) -> QuerySet[Membership]:
        query_filters(NoFilters, self.request)
        actor = api_actor(self.request)
        if not actor.has(Perm.MANAGE_MEMBERS):
            raise NotFound()
        return selectors.membership_list(actor=actor)

    @extend_schema(request=InputSerializer, responses={201: MembershipOutputSerializer})
    def post(self, request: Request) -> Response:
        from django.contrib.auth import get_user_model

        actor = api_actor(request)
        if not actor.has(Perm.MANAGE_MEMBERS):
            raise NotFound()
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = get_object_or_404(
            get_user_model(), username__iexact=data.validated_data["username"], is_active=True
        )
        membership = services.membership_add(
            actor=actor, user=user, role=data.validated_data["role"]
        )
        return Response(MembershipOutputSerializer(membership).data, status=201)


class AuditEventOutputSerializer(serializers.ModelSerializer[AuditEvent]):
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, allow_null=True
    )
    talent = serializers.CharField(source="talent_user.username", allow_null=True, default=None)
    payload = free_form(help_text="What the event recorded, by verb.")
    object_type = serializers.CharField(source="object_type.model", allow_null=True, default=None)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "brand",
            "talent",
            "verb",
            "object_type",
            "object_id",
            "object_repr",
            "payload",
        ]


class BrandAuditListApi(ListAPIView[AuditEvent]):
    """The current brand's audit log (brand admins). Read-only: there is no write endpoint."""

    serializer_class = AuditEventOutputSerializer

    class Filters(serializers.Serializer[object]):
        verb = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=100,
            help_text='Events whose verb starts with this, such as "license." or "render.failed"',
        )

    def get_queryset(self) -> QuerySet[AuditEvent]:
        actor = api_actor(self.request)
        if not actor.has(Perm.VIEW_AUDIT):
            raise NotFound()
        verb = query_filters(self.Filters, self.request).get("verb", "").strip()
        return selectors.audit_list_for_brand(actor=actor, verb=verb)

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """An address under /api/ that names nothing (``/api/garments/abc/``) answers in JSON, as
    the API's own refusals do, not with the studio's HTML page."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"code": "not_found", "detail": "No such API address."}, status=404)
    return defaults.page_not_found(request, exception)


def style_hash(template: str) -> str:
    """The Content-Security-Policy source that lets the <style> element of a standalone page
    (one that leans on nothing else of the studio) apply, and no other inline style."""
    source = Path(settings.BASE_DIR, "templates", template).read_text()
    style = re.search(r"<style>(.*?)</style>", source, re.DOTALL)
    digest = hashlib.sha256(style.group(1).encode() if style else b"").digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


@csp_update({"style-src": [style_hash("500.html")]})
def server_error(request: HttpRequest) -> HttpResponse:
    """A failure of ours under /api/ answers in JSON too, so a client can still read it."""
    if request.path_info.startswith("/api/"):
        return JsonResponse(
            {"code": "server_error", "detail": "The studio failed to answer; it is logged."},
            status=500,
        )
    return defaults.server_error(request)
