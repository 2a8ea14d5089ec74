from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors, services
from campaigns.enums import LAYER_MAX, LIST_ITEM_MAX, LIST_MAX, SEASON_MAX, GarmentCategory, Slot
from campaigns.models import Garment, Look
from studio.api.fields import IdField, Input, search_filter, strings
from studio.api.views import ChoiceFilter, api_actor, query_filters
from studio.errors import TEXT_MAX
from studio.permissions import Actor
from twins.api.licensing import CheckReasonSerializer


def _names() -> serializers.ListField:
    """A garment's colourways or sizes: a few short names."""
    return serializers.ListField(
        child=serializers.CharField(max_length=LIST_ITEM_MAX), max_length=LIST_MAX, required=False
    )


class GarmentOutputSerializer(serializers.ModelSerializer[Garment]):
    colourways = strings()
    sizes = strings()
    cutout_url = serializers.SerializerMethodField()
    packshot_url = serializers.SerializerMethodField()

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
            "cutout_sha256",
            "cutout_url",
            "packshot_url",
            "archived_at",
            "created_at",
        ]

    def get_cutout_url(self, garment: Garment) -> str | None:
        return garment.cutout_url or None

    def get_packshot_url(self, garment: Garment) -> str | None:
        return garment.packshot_url or None


class GarmentListApi(ListAPIView[Garment]):
    """The current brand's garment catalogue; POST adds a garment (stylists, brand admins)."""

    serializer_class = GarmentOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(Input):
        class Meta:
            ref_name = "GarmentCreateInput"

        sku = serializers.CharField(max_length=64)
        name = serializers.CharField(max_length=200)
        category = serializers.ChoiceField(choices=GarmentCategory.choices)
        colourways = _names()
        sizes = _names()
        season = serializers.CharField(
            max_length=SEASON_MAX, required=False, default="", allow_blank=True
        )
        packshot = serializers.FileField(required=False)
        cutout = serializers.FileField(required=False)

    class Filters(serializers.Serializer[object]):
        q = search_filter("Search in name and SKU, case and accents aside")
        category = ChoiceFilter(GarmentCategory.choices)
        season = serializers.CharField(
            required=False, allow_blank=True, help_text="A season exactly, e.g. SS27"
        )
        cutout = ChoiceFilter(
            list(selectors.CUTOUT_FILTERS),
            help_text="computed: cut out from the packshot and not corrected yet",
        )
        archived = serializers.BooleanField(
            required=False, help_text="The archived garments instead of the catalogue"
        )

    def get_queryset(self) -> QuerySet[Garment]:
        filters = query_filters(self.Filters, self.request)
        return selectors.garment_list(
            actor=api_actor(self.request),
            search=filters.get("q", ""),
            category=filters.get("category", ""),
            season=filters.get("season", ""),
            cutout=filters.get("cutout", ""),
            archived=filters.get("archived", False),
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=InputSerializer, responses={201: GarmentOutputSerializer})
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        garment = services.garment_create(actor=api_actor(request), **data.validated_data)
        return Response(GarmentOutputSerializer(garment).data, status=201)


class GarmentDetailApi(RetrieveAPIView[Garment]):
    """One garment; PATCH changes what it is given (stylists, brand admins). The SKU does not
    change, nor the category while a look wears the garment (409). DELETE takes it out of the
    catalogue while no look wears it (409 otherwise)."""

    serializer_class = GarmentOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(Input):
        class Meta:
            ref_name = "GarmentUpdateInput"

        name = serializers.CharField(max_length=200, required=False)
        category = serializers.ChoiceField(choices=GarmentCategory.choices, required=False)
        colourways = _names()
        sizes = _names()
        season = serializers.CharField(max_length=SEASON_MAX, required=False, allow_blank=True)
        packshot = serializers.FileField(required=False)
        cutout = serializers.FileField(required=False)

    def get_queryset(self) -> QuerySet[Garment]:
        return selectors.garment_list(actor=api_actor(self.request))

    @extend_schema(request=InputSerializer, responses=GarmentOutputSerializer)
    def patch(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        garment = services.garment_update(
            actor=api_actor(request), garment=self.get_object(), **data.validated_data
        )
        return Response(GarmentOutputSerializer(garment).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the garment; 409 while a look wears it."""
        services.garment_delete(actor=api_actor(request), garment=self.get_object())
        return Response(status=204)


class GarmentArchiveApi(APIView):
    """Take a garment out of the catalogue (``archived``: true) or put it back: the looks that
    wear it keep it; new looks are not offered it (stylists, brand admins)."""

    class InputSerializer(Input):
        class Meta:
            ref_name = "GarmentArchiveInput"

        archived = serializers.BooleanField()

    @extend_schema(request=InputSerializer, responses=GarmentOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        garment = get_object_or_404(selectors.garment_list(actor=actor), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        garment = services.garment_archive(
            actor=actor, garment=garment, archived=data.validated_data["archived"]
        )
        return Response(GarmentOutputSerializer(garment).data)


class GarmentCutoutApi(APIView):
    """Correct a garment's cut-out from its packshot (stylists, brand admins): with ``strokes``
    (a PNG at the packshot's size, green keeps, red removes, transparent elsewhere) GrabCut
    runs again from the current cut-out, held to them; with ``mask`` (white keeps, black
    removes) the mask is the cut-out; with ``compute=true`` it starts over, computed from the
    packshot as on upload. Exactly one of the three. Strokes sent with ``seen`` are refused
    (409) when the cut-out is no longer the one they were painted over."""

    parser_classes = [MultiPartParser]

    class InputSerializer(Input):
        strokes = serializers.FileField(required=False)
        mask = serializers.FileField(required=False)
        compute = serializers.BooleanField(
            required=False,
            help_text="true: start over, the cut-out computed from the packshot again.",
        )
        seen = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=64,
            help_text="With strokes: the garment's cutout_sha256 they were painted over. If the"
            " cut-out has changed since, the strokes are refused with 409.",
        )

        class Meta:
            ref_name = "GarmentCutoutInput"

        def validate(self, attrs: dict[str, object]) -> dict[str, object]:
            given = [name for name, value in attrs.items() if value not in (False, "")]
            if "seen" in given and "strokes" not in given:
                raise serializers.ValidationError("seen goes with strokes only.")
            if len(set(given) - {"seen"}) != 1:
                raise serializers.ValidationError("Send one of: strokes, a mask, or compute=true.")
            return attrs

    @extend_schema(request=InputSerializer, responses=GarmentOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        garment = get_object_or_404(selectors.garment_list(actor=actor), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        if "strokes" in data.validated_data:
            garment = services.garment_cutout_refine(
                actor=actor,
                garment=garment,
                strokes=data.validated_data["strokes"],
                seen=data.validated_data.get("seen"),
            )
        elif data.validated_data.get("compute"):
            garment = services.garment_cutout_compute(actor=actor, garment=garment)
        else:
            garment = services.garment_mask_correct(
                actor=actor, garment=garment, mask=data.validated_data["mask"]
            )
        return Response(GarmentOutputSerializer(garment).data)


class RefusedRowSerializer(serializers.Serializer[object]):
    line = serializers.IntegerField(
        help_text="The line of the file the row starts on (the header is line 1)."
    )
    reason = serializers.CharField()

    class Meta:
        ref_name = "RefusedRow"


class GarmentImportApi(APIView):
    """Import a product feed (CSV): good rows created or updated by SKU, bad rows reported."""

    parser_classes = [MultiPartParser]

    class InputSerializer(Input):
        feed = serializers.FileField()

        class Meta:
            ref_name = "GarmentImportInput"

    class OutputSerializer(serializers.Serializer[object]):
        created = serializers.ListField(child=serializers.CharField())
        updated = serializers.ListField(child=serializers.CharField())
        archived = serializers.ListField(
            child=serializers.CharField(),
            help_text="SKUs updated that are archived: they stay out of the catalogue.",
        )
        refused = RefusedRowSerializer(many=True)

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
                "archived": report.archived,
                "refused": [{"line": line, "reason": reason} for line, reason in report.errors],
            }
        )


class LookItemSerializer(Input):
    garment = IdField()
    layer = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=LAYER_MAX
    )

    class Meta:
        ref_name = "LookItem"


class LookInputSerializer(Input):
    name = serializers.CharField(max_length=200)
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)
    items = LookItemSerializer(many=True)

    class Meta:
        ref_name = "LookInput"

    def save_look(self, actor: Actor, look: Look | None = None) -> Look:
        data = self.validated_data
        items = [services.LookItemInput(i["garment"], i.get("layer")) for i in data["items"]]
        return services.look_save(
            actor=actor, look=look, name=data["name"], notes=data["notes"], items=items
        )


class LookItemOutputSerializer(serializers.Serializer[object]):
    garment = serializers.IntegerField()
    sku = serializers.CharField()
    slot = serializers.ChoiceField(Slot.choices)
    layer = serializers.IntegerField(help_text="Layering order: higher is worn over lower.")

    class Meta:
        ref_name = "LookItemOutput"


class WearerSerializer(serializers.Serializer[object]):
    twin = serializers.IntegerField()
    name = serializers.CharField()
    allowed = serializers.BooleanField()
    reasons = CheckReasonSerializer(many=True, help_text="Why it may not, where it may not.")

    class Meta:
        ref_name = "LookWearer"


class LookOutputSerializer(serializers.ModelSerializer[Look]):
    items = serializers.SerializerMethodField()

    class Meta:
        model = Look
        fields = ["id", "name", "notes", "items", "created_at", "updated_at"]

    @extend_schema_field(LookItemOutputSerializer(many=True))
    def get_items(self, look: Look) -> list[dict[str, object]]:
        return [
            {
                "garment": item.garment_id,
                "sku": item.garment.sku,
                "slot": item.slot,
                "layer": item.layer,
            }
            for item in look.items.all()
        ]


class LookListApi(ListAPIView[Look]):
    """The brand's looks; POST builds one (stylists, creative directors, brand admins)."""

    serializer_class = LookOutputSerializer

    class Filters(serializers.Serializer[object]):
        q = search_filter(
            "Search in the look's name and in the name and SKU of its garments, case and"
            " accents aside"
        )
        garment = IdField(required=False, help_text="Only the looks that wear this garment")

    def get_queryset(self) -> QuerySet[Look]:
        filters = query_filters(self.Filters, self.request)
        return selectors.look_list(
            actor=api_actor(self.request),
            search=filters.get("q", ""),
            garment=filters.get("garment"),
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=LookInputSerializer, responses={201: LookOutputSerializer})
    def post(self, request: Request) -> Response:
        data = LookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        look = data.save_look(api_actor(request))
        return Response(LookOutputSerializer(look).data, status=201)


class LookDetailApi(APIView):
    class OutputSerializer(LookOutputSerializer):
        wearers = serializers.SerializerMethodField()

        class Meta(LookOutputSerializer.Meta):
            fields = [*LookOutputSerializer.Meta.fields, "wearers"]
            ref_name = "LookDetail"

        @extend_schema_field(WearerSerializer(many=True))
        def get_wearers(self, look: Look) -> list[dict[str, object]]:
            return [
                {
                    "twin": w.twin.pk,
                    "name": str(w.twin),
                    "allowed": w.check.allowed,
                    "reasons": [{"code": r.code, "message": r.message} for r in w.check.reasons],
                }
                for w in selectors.look_wearers(actor=self.context["actor"], look=look)
            ]

    def _look(self, request: Request, pk: int) -> Look:
        return get_object_or_404(selectors.look_list(actor=api_actor(request)), pk=pk)

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        look = self._look(request, pk)
        return Response(self.OutputSerializer(look, context={"actor": api_actor(request)}).data)

    @extend_schema(request=LookInputSerializer, responses=LookOutputSerializer)
    def put(self, request: Request, pk: int) -> Response:
        look = self._look(request, pk)
        data = LookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(LookOutputSerializer(data.save_look(api_actor(request), look)).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int) -> Response:
        """Delete the look; 409 while a shot of a campaign was made of it."""
        services.look_delete(actor=api_actor(request), look=self._look(request, pk))
        return Response(status=204)


class LookDuplicateApi(APIView):
    @extend_schema(request=None, responses={201: LookOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        actor = api_actor(request)
        look = get_object_or_404(selectors.look_list(actor=actor), pk=pk)
        copy = services.look_duplicate(actor=actor, look=look)
        return Response(LookOutputSerializer(copy).data, status=201)
