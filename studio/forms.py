from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from studio.db import ID_MAX
from studio.enums import Role


class FilterForm(forms.Form):
    """A row of list filters shown without visible labels (the first choice says what each one
    is, "All categories"): each field's label becomes its accessible name, for screen readers."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("aria-label", field.label)


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


class RowsField(forms.ModelMultipleChoiceField):
    """Rows picked by id, as ModelMultipleChoiceField, where an id past the largest key a column
    holds is no such choice, as any unknown id is (SQLite raises on it rather than find nothing)."""

    def clean(self, value: Any) -> Any:
        for pk in value if isinstance(value, list | tuple) else ():
            if str(pk).isdecimal() and int(pk) > ID_MAX:
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super().clean(value)
