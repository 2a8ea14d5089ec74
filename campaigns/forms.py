from typing import Any

from django import forms
from django.db.models import QuerySet

from campaigns.enums import GarmentCategory
from campaigns.models import Garment


def _comma_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


class GarmentForm(forms.Form):
    sku = forms.CharField(max_length=64, label="SKU")
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=GarmentCategory.choices)
    colourways = forms.CharField(required=False, help_text="Comma-separated: ecru, navy")
    sizes = forms.CharField(required=False, help_text="Comma-separated: XS, S, M, L")
    season = forms.CharField(required=False, max_length=32)
    packshot = forms.FileField(required=False, help_text="Packshot or flat-lay (JPEG, PNG, WebP).")
    cutout = forms.FileField(
        required=False,
        help_text="PNG with transparency. Leave empty to compute it from the packshot.",
    )

    def clean_colourways(self) -> list[str]:
        return _comma_list(self.cleaned_data["colourways"])

    def clean_sizes(self) -> list[str]:
        return _comma_list(self.cleaned_data["sizes"])


class GarmentImportForm(forms.Form):
    feed = forms.FileField(
        label="Product feed (CSV)",
        help_text="Columns: sku, name, category, colourways, sizes, season (lists with ;).",
    )


class MaskForm(forms.Form):
    mask = forms.FileField(help_text="PNG: white keeps, black removes; the packshot's size.")


class GarmentFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    category = forms.ChoiceField(
        required=False, choices=[("", "All categories"), *GarmentCategory.choices]
    )


class LookForm(forms.Form):
    name = forms.CharField(max_length=200)
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    garments = forms.ModelMultipleChoiceField(
        queryset=Garment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text="One per slot, any number of accessories; a dress goes without top or bottom.",
    )

    def __init__(self, *args: Any, garments: QuerySet[Garment], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["garments"].queryset = garments  # type: ignore[attr-defined]
