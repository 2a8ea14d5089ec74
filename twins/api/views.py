from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.api.fields import Input, free_form, search_filter
from studio.api.schema import action_param
from studio.api.views import (
    AuditEventOutputSerializer,
    ChoiceFilter,
    NoFilters,
    api_actor,
    query_filters,
)
from studio.errors import NotFound
from studio.models import AuditEvent
from studio.permissions import user_of
from twins import selectors, services
from twins.enums import Angle, CheckStatus, Framing, Lighting
from twins.models import CapturePhoto, Talent, Twin, TwinVersion
from twins.permissions import talent_require


class TalentOutputSerializer(serializers.ModelSerializer[Talent]):
    twin_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Talent
        fields = ["id", "display_name", "discoverable", "twin_count"]


@extend_schema_field({"anyOf": [{"type": "number"}, {"type": "string"}]})
class MeasureField(serializers.JSONField):
    """A check's measure or threshold: a number, or a word where the check names one."""


class PhotoCheckSerializer(serializers.Serializer[object]):
    name = serializers.CharField(
        help_text="size, sharpness, exposure, face or duplicate; readable or checks where the "
        "photo could not be checked at all"
    )
    passed = serializers.BooleanField()
    value = MeasureField()
    threshold = MeasureField()
    message = serializers.CharField()

    class Meta:
        ref_name = "PhotoCheck"


class CapturePhotoOutputSerializer(serializers.ModelSerializer[CapturePhoto]):
    url = serializers.SerializerMethodField()
    checks = PhotoCheckSerializer(many=True, read_only=True)

    class Meta:
        model = CapturePhoto
        fields = [
            "id",
            "twin",
            "check_status",
            "checks",
            "angle",
            "framing",
            "lighting",
            "width",
            "height",
            "sha256",
            "created_at",
            "url",
        ]

    def get_url(self, photo: CapturePhoto) -> str:
        return reverse("capture-photo-file", args=[photo.pk])


class TwinOutputSerializer(serializers.ModelSerializer[Twin]):
    talent: serializers.StringRelatedField[Twin] = serializers.StringRelatedField()
    photo_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Twin
        fields = ["id", "name", "talent", "photo_count", "created_at"]


class TalentListApi(ListAPIView[Talent]):
    """Talent the caller acts for: themself, and those their agency represents."""

    serializer_class = TalentOutputSerializer

    class Filters(serializers.Serializer[object]):
        q = search_filter("A talent's name, case and accents aside")

    def get_queryset(self) -> QuerySet[Talent]:
        search = query_filters(self.Filters, self.request).get("q", "").strip()
        return selectors.talent_list(user=user_of(self.request), search=search)

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)


class TalentAuditListApi(ListAPIView[AuditEvent]):
    serializer_class = AuditEventOutputSerializer

    def get_queryset(self) -> QuerySet[AuditEvent]:
        query_filters(NoFilters, self.request)
        talent = talent_require(user_of(self.request), self.kwargs["pk"])
        return selectors.audit_list_for_talent(user=user_of(self.request), talent=talent)


class TwinListApi(ListAPIView[Twin]):
    serializer_class = TwinOutputSerializer

    def get_queryset(self) -> QuerySet[Twin]:
        query_filters(NoFilters, self.request)
        return selectors.twin_list(user=user_of(self.request))


class TwinDetailApi(RetrieveAPIView[Twin]):
    serializer_class = TwinOutputSerializer

    def get_queryset(self) -> QuerySet[Twin]:
        return selectors.twin_list(user=user_of(self.request))


class CapturePhotoListApi(ListAPIView[CapturePhoto]):
    """A twin's capture photos, a page at a time; POST adds one (multipart) through the safe
    image input."""

    parser_classes = [MultiPartParser]
    serializer_class = CapturePhotoOutputSerializer

    class Filters(serializers.Serializer[object]):
        angle = ChoiceFilter(Angle.choices)
        framing = ChoiceFilter(Framing.choices)
        lighting = ChoiceFilter(Lighting.choices)
        check = ChoiceFilter(CheckStatus.choices, help_text="The photo's quality checks")

    class InputSerializer(Input):
        class Meta:
            ref_name = "CapturePhotoAddInput"

        image = serializers.FileField()
        angle = serializers.ChoiceField(choices=Angle.choices)
        framing = serializers.ChoiceField(choices=Framing.choices)
        lighting = serializers.ChoiceField(choices=Lighting.choices)

    def _twin(self, request: Request, pk: int) -> Twin:
        return get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)

    def get_queryset(self) -> QuerySet[CapturePhoto]:
        twin = self._twin(self.request, self.kwargs["pk"])
        filters = query_filters(self.Filters, self.request)
        return selectors.capture_photo_list(user=user_of(self.request), twin=twin, **filters)

    @extend_schema(parameters=[Filters])
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)

    @extend_schema(request=InputSerializer, responses={201: CapturePhotoOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        twin = self._twin(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.capture_photo_add(
            actor=user_of(request),
            twin=twin,
            upload=data.validated_data["image"],
            angle=data.validated_data["angle"],
            framing=data.validated_data["framing"],
            lighting=data.validated_data["lighting"],
        )
        return Response(CapturePhotoOutputSerializer(photo).data, status=201)


class CoverageCellSerializer(serializers.Serializer[object]):
    cell = serializers.CharField(help_text="angle/framing/lighting")
    status = serializers.CharField(help_text="missing, pending, failed or passed")
    required = serializers.BooleanField()  # type: ignore[assignment]  # the answer's key
    photos = serializers.ListField(child=serializers.IntegerField())

    class Meta:
        ref_name = "CoverageCell"


class TwinCoverageApi(APIView):
    class OutputSerializer(serializers.Serializer[object]):
        readiness = serializers.IntegerField()
        ready = serializers.BooleanField()
        missing = serializers.ListField(child=serializers.CharField())
        cells = CoverageCellSerializer(many=True)

        class Meta:
            ref_name = "CoverageOutput"

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        twin = get_object_or_404(selectors.twin_list(user=user_of(request)), pk=pk)
        coverage = selectors.twin_coverage(twin=twin)
        cells = [
            {
                "cell": cell.key,
                "status": cell.status,
                "required": cell.required,
                "photos": [photo.pk for photo in cell.photos],
            }
            for _angle, _framing, row in coverage.rows
            for cell in row
        ]
        return Response(
            {
                "readiness": coverage.readiness,
                "ready": coverage.ready,
                "missing": coverage.missing,
                "cells": cells,
            }
        )


class TwinVersionOutputSerializer(serializers.ModelSerializer[TwinVersion]):
    started_by = serializers.CharField(source="started_by.username")
    renderable = serializers.BooleanField(read_only=True)
    params = free_form(help_text="The training backend's parameters.")
    annotations = free_form(help_text="What training recorded of the twin (body regions...).")

    class Meta:
        model = TwinVersion
        fields = [
            "id",
            "twin",
            "number",
            "status",
            "backend",
            "base_model",
            "trigger_token",
            "params",
            "weights_uri",
            "weights_sha256",
            "annotations",
            "progress_step",
            "progress_total",
            "attempts",
            "error",
            "worker",
            "started_by",
            "queued_at",
            "started_at",
            "finished_at",
            "retired_at",
            "renderable",
        ]


class TwinVersionListApi(APIView):
    """A twin's versions; POST starts training a new one."""

    class InputSerializer(Input):
        backend = serializers.CharField(required=False, default="")
        params = serializers.DictField(
            required=False,
            default=dict,
            help_text="Numbers the backend declares, each within its bounds (`reference` takes "
            "none; `lora`'s are in the README). Anything else is a 400 that names the "
            "parameter and what it takes.",
        )

        class Meta:
            ref_name = "TwinVersionTrainInput"

    @extend_schema(responses=TwinVersionOutputSerializer(many=True))
    def get(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        twin = get_object_or_404(selectors.twin_list(user=user), pk=pk)
        versions = selectors.version_list(user=user, twin=twin)
        return Response(TwinVersionOutputSerializer(versions, many=True).data)

    @extend_schema(request=InputSerializer, responses={201: TwinVersionOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        twin = get_object_or_404(selectors.twin_list(user=user), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.twin_version_train(actor=user, twin=twin, **data.validated_data)
        return Response(TwinVersionOutputSerializer(version).data, status=201)


class TwinVersionDetailApi(RetrieveAPIView[TwinVersion]):
    serializer_class = TwinVersionOutputSerializer

    def get_queryset(self) -> QuerySet[TwinVersion]:
        return selectors.version_list(user=user_of(self.request))


class TwinVersionActionApi(APIView):
    """The talent (or their agency) cancels a version while it trains, or retires a version: it
    is never rendered again."""

    @extend_schema(
        request=None,
        responses=TwinVersionOutputSerializer,
        operation_id="twin_versions_decide",
        parameters=[action_param("cancel", "retire")],
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        user = user_of(request)
        version = get_object_or_404(selectors.version_list(user=user), pk=pk)
        if action == "cancel":
            version = services.twin_version_cancel(actor=user, version=version)
        elif action == "retire":
            version = services.twin_version_retire(actor=user, version=version)
        else:
            raise NotFound("No such action.")
        return Response(TwinVersionOutputSerializer(version).data)


class BrandCapturePhotoApi(APIView):
    """A brand admin adds capture photos at the brand's capture day, for a twin the brand holds
    an active license for (the replica agreement must be in force)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request=CapturePhotoListApi.InputSerializer, responses={201: CapturePhotoOutputSerializer}
    )
    def post(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        twin = get_object_or_404(selectors.twin_catalogue(actor=actor), pk=pk)
        data = CapturePhotoListApi.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.capture_photo_add(
            actor=actor,
            twin=twin,
            **{
                "upload": data.validated_data["image"],
                "angle": data.validated_data["angle"],
                "framing": data.validated_data["framing"],
                "lighting": data.validated_data["lighting"],
            },
        )
        return Response(CapturePhotoOutputSerializer(photo).data, status=201)
