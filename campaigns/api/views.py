from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors, services
from campaigns.enums import GarmentCategory
from campaigns.models import Garment
from studio.api.views import api_actor


class GarmentOutputSerializer(serializers.ModelSerializer[Garment]):
    cutout_url = serializers.SerializerMethodField()

    class Meta:
        model = Garment
        fields = [
            "id",
            "sku",
            "name",
            "category",
            "colourways",
            "sizes",
            "season",
            "cutout_computed",
            "cutout_url",
            "created_at",
        ]

    def get_cutout_url(self, garment: Garment) -> str | None:
        return reverse("garment-cutout-file", args=[garment.pk]) if garment.cutout else None


class GarmentListApi(ListAPIView[Garment]):
    """The current brand's garment catalogue; POST adds a garment (stylists, brand admins)."""

    serializer_class = GarmentOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "GarmentCreateInput"

        sku = serializers.CharField(max_length=64)
        name = serializers.CharField(max_length=200)
        category = serializers.ChoiceField(choices=GarmentCategory.choices)
        colourways = serializers.ListField(child=serializers.CharField(), required=False)
        sizes = serializers.ListField(child=serializers.CharField(), required=False)
        season = serializers.CharField(required=False, default="", allow_blank=True)
        packshot = serializers.FileField(required=False)
        cutout = serializers.FileField(required=False)

    def get_queryset(self) -> QuerySet[Garment]:
        params = self.request.query_params
        return selectors.garment_list(
            actor=api_actor(self.request),
            search=params.get("q", ""),
            category=params.get("category", ""),
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Search in name and SKU"),
            OpenApiParameter("category", str, enum=GarmentCategory.values),
        ]
    )
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=InputSerializer, responses={201: GarmentOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        garment = services.garment_create(actor=api_actor(request), **data.validated_data)
        return Response(GarmentOutputSerializer(garment).data, status=201)


class GarmentDetailApi(RetrieveAPIView[Garment]):
    serializer_class = GarmentOutputSerializer

    def get_queryset(self) -> QuerySet[Garment]:
        return selectors.garment_list(actor=api_actor(self.request))


class GarmentImportApi(APIView):
    """Import a product feed (CSV): good rows created or updated by SKU, bad rows reported."""

    parser_classes = [MultiPartParser]

    class InputSerializer(serializers.Serializer[object]):
        feed = serializers.FileField()

        class Meta:
            ref_name = "GarmentImportInput"

    class OutputSerializer(serializers.Serializer[object]):
        created = serializers.ListField(child=serializers.CharField())
        updated = serializers.ListField(child=serializers.CharField())
        refused = serializers.ListField(child=serializers.DictField())

        class Meta:
            ref_name = "GarmentImportReport"

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.garment_import_csv(
            actor=api_actor(request), file=data.validated_data["feed"]
        )
        return Response(
            {
                "created": report.created,
                "updated": report.updated,
                "refused": [{"line": line, "reason": reason} for line, reason in report.errors],
            }
        )
