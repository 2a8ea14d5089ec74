from django import forms
from django.contrib.auth import get_user_model

from studio.enums import Role


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, help_text="The person's studio login.")
    role = forms.ChoiceField(choices=Role.choices)

    def clean_username(self) -> object:
        username = self.cleaned_data["username"].strip()
        user = get_user_model().objects.filter(username__iexact=username, is_active=True).first()
        if user is None:
            raise forms.ValidationError(f"No active account with the login {username!r}.")
        return user


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)
