from django.contrib.auth.models import User
from django.db.models import Count, QuerySet

from studio.models import AuditEvent
from twins.models import Agency, CapturePhoto, Talent, Twin
from twins.permissions import talents_actable_by


def talent_list(*, user: User) -> QuerySet[Talent]:
    return (
        talents_actable_by(user)
        .annotate(twin_count=Count("twins", distinct=True))
        .order_by("display_name", "pk")
    )


def agency_list(*, user: User) -> QuerySet[Agency]:
    return Agency.objects.filter(members__user=user)


def twin_list(*, user: User) -> QuerySet[Twin]:
    return (
        Twin.objects.filter(talent__in=talents_actable_by(user))
        .select_related("talent")
        .annotate(photo_count=Count("photos"))
        .order_by("talent__display_name", "name", "pk")
    )


def capture_photo_list(*, user: User, twin: Twin) -> QuerySet[CapturePhoto]:
    return CapturePhoto.objects.filter(
        twin=twin, twin__talent__in=talents_actable_by(user)
    ).select_related("twin")


def capture_photo_visible(*, user: User) -> QuerySet[CapturePhoto]:
    return CapturePhoto.objects.filter(twin__talent__in=talents_actable_by(user))


def audit_list_for_talent(*, user: User, talent: Talent) -> QuerySet[AuditEvent]:
    """Every event that concerns ``talent``'s likeness (the caller has checked ``talent``)."""
    if not talents_actable_by(user).filter(pk=talent.pk).exists():
        return AuditEvent.objects.none()
    return AuditEvent.objects.filter(talent_user=talent.user_id).select_related(
        "actor", "brand", "object_type"
    )
