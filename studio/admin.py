from typing import Any, TypeVar

from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import models
from django.http import HttpRequest

from studio.enums import Role
from studio.models import AuditEvent, Brand, Membership
from studio.services import audit_record, brand_create


class MembershipFormSet(forms.BaseInlineFormSet[Membership, Brand, Any]):
    """A brand's team as staff edit it: as in the studio, the brand keeps a brand admin."""

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        # Taken as the studio takes it to step an admin down: the two take turns.
        Brand.objects.select_for_update(no_key=True).filter(pk=self.instance.pk).first()
        edited = [form for form in self.forms if form.has_changed() or form in self.deleted_forms]
        untouched = Membership.objects.filter(brand=self.instance, role=Role.BRAND_ADMIN).exclude(
            pk__in=[form.instance.pk for form in edited if form.instance.pk]
        )
        seated = any(
            form.cleaned_data.get("role") == Role.BRAND_ADMIN
            for form in edited
            if form not in self.deleted_forms
        )
        if not seated and not untouched.exists():
            raise forms.ValidationError("A brand keeps at least one brand admin.")


class MembershipInline(admin.TabularInline[Membership, Brand]):
    model = Membership
    formset = MembershipFormSet
    extra = 0
    autocomplete_fields = ["user"]


class BrandAddForm(forms.ModelForm[Brand]):
    """A new brand names its first brand admin, who brings in the rest of the team."""

    admin = forms.ModelChoiceField(
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        help_text="The brand's first brand admin; they add the rest of the team in the studio.",
    )

    class Meta:
        model = Brand
        fields = ["name", "slug"]

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if Brand.objects.filter(name__iexact=name).exists():
            raise forms.ValidationError("A brand of this name exists already.")
        return name


_M = TypeVar("_M", bound=models.Model)


class OnboardAdmin(admin.ModelAdmin[_M]):
    """An object added here is made by ``onboard``, a service that checks and audits it as the
    studio does; a change saves as usual."""

    def onboard(self, staff: Any, obj: _M, form: Any) -> _M:
        raise NotImplementedError

    def save_model(self, request: HttpRequest, obj: _M, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        obj.pk = self.onboard(request.user, obj, form).pk  # the admin site is staff only
        obj.refresh_from_db()  # as the service saved it
        obj._state.adding = False


@admin.register(Brand)
class BrandAdmin(OnboardAdmin[Brand]):
    """Staff onboard a brand here, through the service the rest of the studio uses: its first
    admin is seated with it and the onboarding is audited."""

    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]

    def get_form(
        self, request: HttpRequest, obj: Brand | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm[Brand]]:
        if obj is None:
            kwargs["form"] = BrandAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_inlines(self, request: HttpRequest, obj: Brand | None) -> list[Any]:
        return [] if obj is None else [MembershipInline]  # the first admin comes with the form

    def onboard(self, staff: Any, obj: Brand, form: Any) -> Brand:
        admin = form.cleaned_data["admin"]
        return brand_create(actor=staff, name=obj.name, slug=obj.slug, admin=admin)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        """Seats staff add, change or remove are audited as the studio's own are."""
        staff: Any = request.user  # the admin site is staff only

        def audit(verb: str, seat: Membership, **payload: str) -> None:
            payload = {"user": seat.user.get_username(), **payload}
            audit_record(actor=staff, verb=verb, obj=seat, brand=seat.brand, payload=payload)

        before = {seat.instance.pk: seat.initial.get("role") for seat in formset.initial_forms}
        for seat in formset.deleted_forms:
            if seat.instance.pk:
                audit("membership.removed", seat.instance, role=before[seat.instance.pk])
        formset.save()
        for seat in formset.new_objects:
            audit("membership.added", seat, role=seat.role)
        for seat, fields in formset.changed_objects:
            if "role" in fields:
                audit("membership.role_changed", seat, **{"from": before[seat.pk], "to": seat.role})


class ReadOnlyAdmin(admin.ModelAdmin[_M]):
    """Readable, never writable: no add, change or delete, whatever the admin's permissions.
    For what the studio changes only through its services, with their checks and audit (a
    twin's consent, a photo's twin, a garment's brand), or never (the audit log)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin[AuditEvent]):
    list_display = ["created_at", "verb", "actor", "brand", "talent_user", "object_repr"]
    list_filter = ["verb", "brand"]
    search_fields = ["verb", "object_repr", "actor__username"]
    list_select_related = ["actor", "brand", "talent_user"]
    date_hierarchy = "created_at"
