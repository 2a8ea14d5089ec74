from django import forms

from twins.enums import Angle, Framing, Lighting


class CapturePhotoForm(forms.Form):
    image = forms.FileField(help_text="JPEG, PNG or WebP.")
    angle = forms.ChoiceField(choices=Angle.choices)
    framing = forms.ChoiceField(choices=Framing.choices)
    lighting = forms.ChoiceField(choices=Lighting.choices)
