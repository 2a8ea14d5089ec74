"""Licensing over the API, with the same services and permissions as the pages."""

from datetime import date

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from studio.api.fields import IdField, Input, SlugRelated, StrictInput, search_filter, strings
from studio.api.schema import action_param
from studio.api.views import ChoiceFilter, api_actor, query_filters
from studio.db import INT_MAX
from studio.enums import Perm
from studio.errors import TEXT_MAX, NotFound
from studio.models import Brand
from studio.permissions import user_of
from twins import selectors, services
from twins.enums import Channel, ContentTag, Exclusivity, LicenseStatus, UsageKind
from twins.models import License, StandingTerms, Twin, UsageLine
from twins.permissions import talent_require
from twins.services.people import CATEGORIES

TERM_FIELDS = set(services.Terms.__dataclass_fields__)


class CheckReasonSerializer(serializers.Serializer[object]):
    """One reason a use is not allowed."""

    code = serializers.CharField(help_text="For example no_license, market, category_excluded.")
    message = serializers.CharField()

    class Meta:
        ref_name = "CheckReason"


class TermsInputSerializer(Input):
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    markets = serializers.ListField(
        child=serializers.CharField(max_length=2),
        min_length=1,
        help_text="ISO 3166-1 alpha-2 country codes, such as DE, FR, GB, US",
    )
    channels = serializers.ListField(
        child=serializers.ChoiceField(choices=Channel.choices), min_length=1
    )
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=CATEGORIES), min_length=1
    )
    exclusivity = serializers.ChoiceField(choices=Exclusivity.choices, default=Exclusivity.NONE)
    exclusive_against = SlugRelated(
        slug_field="slug", queryset=Brand.objects.all(), many=True, required=False
    )
    max_published_assets = serializers.IntegerField(
        min_value=1, max_value=INT_MAX, required=False, allow_null=True
    )
    currency = serializers.CharField(max_length=3, default="EUR")
    flat_fee = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    per_asset_fee = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)

    def terms(self) -> services.Terms:
        data = {k: v for k, v in self.validated_data.items() if k in TERM_FIELDS}
        data["exclusive_against"] = list(data.get("exclusive_against", []))
        data["currency"] = data["currency"].upper()
        return services.Terms(**data)


class LicenseOutputSerializer(serializers.ModelSerializer[License]):
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True
    )
    exclusive_against: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, many=True
    )
    talent = serializers.CharField(source="twin.talent.display_name", read_only=True)
    markets = strings(help_text="ISO 3166-1 alpha-2 country codes.")
    channels = strings(Channel.choices)
    categories = strings(
        CATEGORIES, help_text="Garment categories the brand may dress the twin in."
    )
    months = serializers.IntegerField(read_only=True)
    # Computed from fees: the terms bound them (LEDGER_MAX), and a bound here could only fail an
    # answer after its commit, as 14 digits once did. Statement totals add up many lines.
    flat_total = serializers.DecimalField(max_digits=None, decimal_places=2, read_only=True)

    class Meta:
        model = License
        fields = [
            "id",
            "twin",
            "talent",
            "brand",
            "status",
            "starts_on",
            "ends_on",
            "markets",
            "channels",
            "categories",
            "exclusivity",
            "exclusive_against",
            "max_published_assets",
            "currency",
            "flat_fee",
            "per_asset_fee",
            "months",
            "flat_total",
            "note",
            "requested_at",
            "decided_at",
            "declined_reason",
            "revoked_reason",
        ]


class ReasonInputSerializer(Input):
    reason = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=TEXT_MAX
    )


def _license_response(license: License, status: int = 200) -> Response:
    license = (
        License.objects.prefetch_related("exclusive_against")
        .select_related("twin__talent", "brand")
        .get(pk=license.pk)
    )
    return Response(LicenseOutputSerializer(license).data, status=status)


class LicenseFilters(serializers.Serializer[object]):
    status = ChoiceFilter(LicenseStatus.choices)


def _of_status(licenses: QuerySet[License], request: Request) -> QuerySet[License]:
    status = query_filters(LicenseFilters, request).get("status")
    return licenses.filter(status=status) if status else licenses


# --- The brand's side -----------------------------------------------------------------------------
class LicenseListApi(ListAPIView[License]):
    """The current brand's licenses; POST requests a new one for a twin of the catalogue."""

    serializer_class = LicenseOutputSerializer

    class InputSerializer(TermsInputSerializer):
        twin = IdField()

        class Meta:
            ref_name = "LicenseRequestInput"

    def get_queryset(self) -> QuerySet[License]:
        return _of_status(
            selectors.license_list_for_brand(actor=api_actor(self.request)), self.request
        )

    @extend_schema(parameters=[LicenseFilters])
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=InputSerializer, responses={201: LicenseOutputSerializer})
    def post(self, request: Request) -> Response:
        actor = api_actor(request)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        twin = get_object_or_404(
            selectors.twin_catalogue(actor=actor), pk=data.validated_data["twin"]
        )
        license = services.license_request(actor=actor, twin=twin, terms=data.terms())
        return _license_response(license, 201)


class LicenseDetailApi(RetrieveAPIView[License]):
    serializer_class = LicenseOutputSerializer

    def get_queryset(self) -> QuerySet[License]:
        return selectors.license_list_for_brand(actor=api_actor(self.request))


class BrandLicenseActionApi(APIView):
    """The brand answers countered terms: accept, counter (the body: the terms it proposes
    instead) or withdraw (no body)."""

    @extend_schema(
        request=TermsInputSerializer,
        responses=LicenseOutputSerializer,
        operation_id="licenses_decide",
        parameters=[action_param("accept", "counter", "withdraw")],
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        actor = api_actor(request)
        license = get_object_or_404(selectors.license_list_for_brand(actor=actor), pk=pk)
        if action == "accept":
            license = services.license_accept_counter(actor=actor, license=license)
        elif action == "withdraw":
            license = services.license_decline(actor=actor, license=license)
        elif action == "counter":
            data = TermsInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            license = services.license_counter(actor=actor, license=license, terms=data.terms())
        else:
            raise NotFound("No such action.")
        return _license_response(license)


class TwinCatalogueApi(ListAPIView[Twin]):
    class OutputSerializer(serializers.ModelSerializer[Twin]):
        talent = serializers.CharField(source="talent.display_name")
        licenses = LicenseOutputSerializer(source="brand_licenses", many=True)

        class Meta:
            model = Twin
            fields = ["id", "name", "talent", "licenses"]
            ref_name = "CatalogueTwin"

    serializer_class = OutputSerializer

    class Filters(serializers.Serializer[object]):
        q = search_filter("A talent's or twin's name, case and accents aside")
        licensed = ChoiceFilter(list(selectors.CATALOGUE_LICENSED.items()))

    def get_queryset(self) -> QuerySet[Twin]:
        filters = query_filters(self.Filters, self.request)
        return selectors.twin_catalogue(
            actor=api_actor(self.request),
            search=filters.get("q", "").strip(),
            licensed=filters.get("licensed", ""),
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)


class LicenseCheckApi(APIView):
    """May the current brand use this twin here, now, like this? Every reason against."""

    class InputSerializer(Input):
        twin = IdField()
        channel = serializers.ChoiceField(choices=Channel.choices)
        market = serializers.CharField(max_length=2)
        on = serializers.DateField(required=False)
        categories = serializers.ListField(
            child=serializers.ChoiceField(choices=CATEGORIES), required=False, default=list
        )
        content_tags = serializers.ListField(
            child=serializers.ChoiceField(choices=ContentTag.choices), required=False, default=list
        )
        publishing = serializers.BooleanField(default=False)

        class Meta:
            ref_name = "LicenseCheckInput"

    class OutputSerializer(serializers.Serializer[object]):
        allowed = serializers.BooleanField()
        license = serializers.IntegerField(allow_null=True)
        reasons = CheckReasonSerializer(many=True)

        class Meta:
            ref_name = "LicenseCheckOutput"

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request) -> Response:
        actor = api_actor(request)
        brand = actor.require(Perm.VIEW_BRAND)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        twin = get_object_or_404(selectors.twin_catalogue(actor=actor), pk=values["twin"])
        result = services.license_check(
            twin=twin,
            brand=brand,
            channel=values["channel"],
            market=values["market"],
            on=values.get("on") or timezone.localdate(),
            categories=values["categories"],
            content_tags=values["content_tags"],
            publishing=values["publishing"],
        )
        return Response(
            {
                "allowed": result.allowed,
                "license": result.license.pk if result.license else None,
                "reasons": [{"code": r.code, "message": r.message} for r in result.reasons],
            }
        )


# --- The talent's side ----------------------------------------------------------------------------
class TalentLicenseListApi(ListAPIView[License]):
    serializer_class = LicenseOutputSerializer

    def get_queryset(self) -> QuerySet[License]:
        user = user_of(self.request)
        talent = talent_require(user, self.kwargs["pk"])
        return _of_status(selectors.license_list_for_user(user=user, talent=talent), self.request)

    @extend_schema(parameters=[LicenseFilters])
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class TalentLicenseActionApi(APIView):
    """The talent (or their agency) decides: accept, decline (the body: an optional reason),
    revoke (the body: the reason, which the brand is told) or counter (the body: the terms
    proposed instead)."""

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="TalentDecisionInput",
            serializers=[ReasonInputSerializer, TermsInputSerializer],
            resource_type_field_name=None,
        ),
        responses=LicenseOutputSerializer,
        operation_id="talent_licenses_decide",
        parameters=[action_param("accept", "decline", "revoke", "counter")],
    )
    def post(self, request: Request, pk: int, action: str) -> Response:
        user = user_of(request)
        license = get_object_or_404(selectors.license_list_for_user(user=user), pk=pk)
        if action == "counter":  # the terms proposed instead
            data = TermsInputSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            license = services.license_counter(actor=user, license=license, terms=data.terms())
            return _license_response(license)
        reason = ReasonInputSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        why = reason.validated_data["reason"]
        if action == "accept":
            license = services.license_accept(actor=user, license=license)
        elif action == "decline":
            license = services.license_decline(actor=user, license=license, reason=why)
        elif action == "revoke":
            license = services.license_revoke(actor=user, license=license, reason=why)
        else:
            raise NotFound("No such action.")
        return _license_response(license)


class StandingTermsApi(APIView):
    class Serializer(StrictInput, serializers.ModelSerializer[StandingTerms]):
        excluded_categories = serializers.ListField(
            child=serializers.ChoiceField(choices=CATEGORIES)
        )
        excluded_content_tags = serializers.ListField(
            child=serializers.ChoiceField(choices=ContentTag.choices)
        )
        blocked_brands = SlugRelated(slug_field="slug", queryset=Brand.objects.all(), many=True)
        approve_every_output = serializers.BooleanField(read_only=True)

        class Meta:
            model = StandingTerms
            # A PUT says every term: one left out is a 400 that names it, not a silent default.
            extra_kwargs = {"agency_needs_confirmation": {"required": True}}
            fields = [
                "excluded_categories",
                "excluded_content_tags",
                "blocked_brands",
                "agency_needs_confirmation",
                "approve_every_output",
            ]
            ref_name = "StandingTerms"

    @extend_schema(responses=Serializer)
    def get(self, request: Request, pk: int) -> Response:
        talent = talent_require(user_of(request), pk)
        return Response(
            self.Serializer(selectors.standing_terms_of(talent=talent)).data
            if StandingTerms.objects.filter(talent=talent).exists()
            else {
                "excluded_categories": [],
                "excluded_content_tags": [],
                "blocked_brands": [],
                "agency_needs_confirmation": False,
                "approve_every_output": True,
            }
        )

    @extend_schema(request=Serializer, responses=Serializer)
    def put(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        talent = talent_require(user, pk)
        data = self.Serializer(data=request.data)
        data.is_valid(raise_exception=True)
        terms = services.standing_terms_update(actor=user, talent=talent, **data.validated_data)
        return Response(self.Serializer(terms).data)


class AgreementSignApi(APIView):
    class InputSerializer(Input):
        scope = serializers.CharField(max_length=TEXT_MAX)
        purpose = serializers.CharField(max_length=TEXT_MAX)
        pay_basis = serializers.CharField(max_length=TEXT_MAX)
        starts_on = serializers.DateField()
        ends_on = serializers.DateField(required=False, allow_null=True, default=None)
        text_version = serializers.CharField(max_length=32)

        class Meta:
            ref_name = "AgreementSignInput"

    @extend_schema(request=InputSerializer, responses={201: None})
    def post(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        twin = get_object_or_404(selectors.twin_list(user=user), pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        agreement = services.agreement_sign(actor=user, twin=twin, **data.validated_data)
        return Response({"id": agreement.pk, "signed_at": agreement.signed_at}, status=201)


class ConsentRevokeApi(APIView):
    @extend_schema(request=ReasonInputSerializer, responses={200: None})
    def post(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        twin = get_object_or_404(selectors.twin_list(user=user), pk=pk)
        reason = ReasonInputSerializer(data=request.data)
        reason.is_valid(raise_exception=True)
        twin = services.twin_consent_revoke(
            actor=user, twin=twin, reason=reason.validated_data["reason"]
        )
        return Response({"id": twin.pk, "consent_revoked_at": twin.consent_revoked_at})


class LikenessUseSerializer(serializers.ModelSerializer[UsageLine]):
    brand = serializers.CharField(source="license.brand.name")
    twin = serializers.CharField(source="license.twin.name")
    asset = serializers.CharField(source="asset_ref")
    markets = strings(help_text="ISO 3166-1 alpha-2 country codes.")

    class Meta:
        model = UsageLine
        fields = ["id", "used_on", "brand", "twin", "license", "asset", "channel", "markets"]
        ref_name = "LikenessUse"


class TalentUsageListApi(ListAPIView[UsageLine]):
    """Where the talent's likeness is used: every published asset made with their twins, newest
    first, with its brand, license, channel and markets."""

    serializer_class = LikenessUseSerializer

    class Filters(serializers.Serializer[object]):
        brand = serializers.SlugField(required=False, help_text="Only this brand's (its slug)")
        twin = IdField(required=False, help_text="Only this twin's")
        channel = ChoiceFilter(Channel.choices)

    def get_queryset(self) -> QuerySet[UsageLine]:
        user = user_of(self.request)
        talent = talent_require(user, self.kwargs["pk"])
        filters = query_filters(self.Filters, self.request)
        return selectors.likeness_uses(user=user, talent=talent, **filters)

    @extend_schema(parameters=[Filters])
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


# --- Statements -----------------------------------------------------------------------------------
class StatementLineSerializer(serializers.Serializer[object]):
    date = serializers.DateField()
    license = serializers.IntegerField()
    kind = serializers.ChoiceField(UsageKind.choices)
    asset = serializers.CharField()
    channel = serializers.CharField()
    markets = strings()
    amount = serializers.DecimalField(max_digits=None, decimal_places=2)
    currency = serializers.CharField()
    brand = serializers.CharField()
    talent = serializers.CharField()

    class Meta:
        ref_name = "StatementLine"


class StatementOutputSerializer(serializers.Serializer[object]):
    month = serializers.DateField()
    totals = serializers.DictField(
        child=serializers.DecimalField(max_digits=None, decimal_places=2),
        help_text="Per currency, the sum of all the month's lines, not this page's alone.",
    )
    count = serializers.IntegerField(help_text="The month's lines, on every page.")
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    lines = StatementLineSerializer(many=True, help_text="A page of the month's lines.")

    class Meta:
        ref_name = "Statement"


def _statement_answer(request: Request, view: APIView, statement: selectors.Statement) -> Response:
    pages = PageNumberPagination()
    lines = pages.paginate_queryset(statement.lines, request, view=view) or []
    data = {
        "month": statement.month,
        "totals": statement.totals,
        "count": pages.page.paginator.count if pages.page else 0,
        "next": pages.get_next_link(),
        "previous": pages.get_previous_link(),
        "lines": [
            {
                "date": line.used_on,
                "license": line.license_id,
                "kind": line.kind,
                "asset": line.asset_ref,
                "channel": line.channel,
                "markets": line.markets,
                "amount": str(line.amount),
                "currency": line.currency,
                "brand": line.license.brand.slug,
                "talent": line.license.twin.talent.display_name,
            }
            for line in lines
        ],
    }
    return Response(StatementOutputSerializer(data).data)


def _month(request: Request) -> date:
    value = request.query_params.get("month", "")
    try:
        return date.fromisoformat(f"{value}-01") if value else timezone.localdate()
    except ValueError as exc:
        raise serializers.ValidationError({"month": "Use YYYY-MM."}) from exc


MONTH = OpenApiParameter(
    "month", str, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM (default: this month)"
)
PAGE = OpenApiParameter("page", int, description="A page of the month's lines (default: 1).")


class BrandStatementApi(APIView):
    @extend_schema(parameters=[MONTH, PAGE], responses=StatementOutputSerializer)
    def get(self, request: Request) -> Response:
        actor = api_actor(request)
        actor.require(Perm.REQUEST_LICENSES)
        statement = selectors.statement_for_brand(actor=actor, month=_month(request))
        return _statement_answer(request, self, statement)


class TalentStatementApi(APIView):
    @extend_schema(parameters=[MONTH, PAGE], responses=StatementOutputSerializer)
    def get(self, request: Request, pk: int) -> Response:
        user = user_of(request)
        talent = talent_require(user, pk)
        statement = selectors.statement_for_talent(user=user, talent=talent, month=_month(request))
        return _statement_answer(request, self, statement)
