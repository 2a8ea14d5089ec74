from django import forms

from campaigns.enums import GarmentCategory


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
