from django import forms

from campaigns.enums import GarmentCategory


class GarmentForm(forms.Form):
    sku = forms.CharField(max_length=64, label="SKU")
    name = forms.CharField(max_length=200)
    category = forms.ChoiceField(choices=GarmentCategory.choices)
    cutout = forms.FileField(required=False, help_text="PNG with transparency (or JPEG/WebP).")


class GarmentFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    category = forms.ChoiceField(
        required=False, choices=[("", "All categories"), *GarmentCategory.choices]
    )
