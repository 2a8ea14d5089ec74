from typing import Any

from django import forms

from studio.db import INT_MAX
from studio.errors import TEXT_MAX
from studio.forms import FilterForm, RowsField
from studio.models import Brand
from twins.enums import (
    Angle,
    Channel,
    CheckStatus,
    ContentTag,
    Exclusivity,
    Framing,
    Lighting,
)
from twins.models import License, Twin
from twins.selectors import CATALOGUE_LICENSED
from twins.services import Terms
from twins.services.people import CATEGORIES


class CapturePhotoForm(forms.Form):
    image = forms.FileField(help_text="JPEG, PNG or WebP.")
    angle = forms.ChoiceField(choices=Angle.choices)
    framing = forms.ChoiceField(choices=Framing.choices)
    lighting = forms.ChoiceField(choices=Lighting.choices)


CATEGORY_CHOICES = [(c, c.capitalize()) for c in CATEGORIES]


class CapturePhotoFilterForm(FilterForm):
    angle = forms.ChoiceField(required=False, choices=[("", "Every angle"), *Angle.choices])
    framing = forms.ChoiceField(required=False, choices=[("", "Every framing"), *Framing.choices])
    lighting = forms.ChoiceField(
        required=False, label="Light", choices=[("", "Every light"), *Lighting.choices]
    )
    check = forms.ChoiceField(
        required=False, label="Checks", choices=[("", "Any checks"), *CheckStatus.choices]
    )


class CatalogueFilterForm(FilterForm):
    q = forms.CharField(
        required=False,
        label="Search talent or twin",
        widget=forms.TextInput(attrs={"placeholder": "Talent or twin name", "type": "search"}),
    )
    licensed = forms.ChoiceField(
        required=False,
        label="License",
        choices=[("", "Any license"), *CATALOGUE_LICENSED.items()],
    )


class CommaListField(forms.CharField):
    """``FR, de ,US`` → ``["FR", "DE", "US"]``."""

    def to_python(self, value: object) -> list[str]:  # type: ignore[override]
        text = super().to_python(value) or ""
        return [item.strip().upper() for item in text.split(",") if item.strip()]


class TermsForm(forms.Form):
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    markets = CommaListField(help_text="ISO country codes, comma-separated: FR, DE, US")
    channels = forms.MultipleChoiceField(
        choices=Channel.choices, widget=forms.CheckboxSelectMultiple
    )
    categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    exclusivity = forms.ChoiceField(choices=Exclusivity.choices)
    exclusive_against = RowsField(
        queryset=Brand.objects.all(),
        required=False,
        help_text="Competitors this license excludes in its categories.",
    )
    max_published_assets = forms.IntegerField(required=False, min_value=1, max_value=INT_MAX)
    currency = forms.CharField(max_length=3, initial="EUR")
    flat_fee = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="Per market and per month."
    )
    per_asset_fee = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, help_text="Per published asset and market."
    )
    note = forms.CharField(
        required=False, max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2})
    )

    def terms(self) -> Terms:
        data = dict(self.cleaned_data)
        data["exclusive_against"] = list(data["exclusive_against"])
        data["currency"] = data["currency"].upper()
        return Terms(**data)

    @classmethod
    def initial_from(cls, license: License) -> dict[str, object]:
        fields = [
            "starts_on",
            "ends_on",
            "channels",
            "categories",
            "exclusivity",
            "max_published_assets",
            "currency",
            "flat_fee",
            "per_asset_fee",
            "note",
        ]
        initial: dict[str, object] = {name: getattr(license, name) for name in fields}
        initial["markets"] = ", ".join(license.markets)
        initial["exclusive_against"] = list(license.exclusive_against.all())
        return initial


class ReasonForm(forms.Form):
    reason = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))


class AgreementForm(forms.Form):
    scope = forms.CharField(
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        initial="E-commerce, social and campaign imagery",
    )
    purpose = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    pay_basis = forms.CharField(max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    starts_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    text_version = forms.CharField(max_length=32, initial="2026-01")


class StandingTermsForm(forms.Form):
    excluded_categories = forms.MultipleChoiceField(
        choices=CATEGORY_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
    )
    excluded_content_tags = forms.MultipleChoiceField(
        choices=ContentTag.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    blocked_brands = RowsField(queryset=Brand.objects.all(), required=False)
    agency_needs_confirmation = forms.BooleanField(
        required=False, label="My agency's decisions wait for my confirmation"
    )


class MonthForm(forms.Form):
    month = forms.DateField(input_formats=["%Y-%m"], required=False)


class UsageFilterForm(FilterForm):
    """Where a talent's likeness is used, narrowed to a brand, a twin or a channel."""

    brand = forms.ChoiceField(required=False, label="Brand")
    twin = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Twin")
    channel = forms.ChoiceField(
        required=False, label="Channel", choices=[("", "Every channel"), *Channel.choices]
    )

    def __init__(self, *args: Any, brands: list[Brand], twins: list[Twin], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        brand_choices = [(b.slug, b.name) for b in brands]
        self.fields["brand"].choices = [("", "Every brand"), *brand_choices]  # type: ignore[attr-defined]
        twin_choices = [(t.pk, t.name) for t in twins]
        self.fields["twin"].choices = [("", "Every twin"), *twin_choices]  # type: ignore[attr-defined]
