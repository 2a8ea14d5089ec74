import logging
from datetime import date
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from studio.broker import unless_broker_down
from studio.enums import Perm
from studio.errors import Conflict, NotFound, PermissionDenied, StudioError, text_checked
from studio.images import image_ingest
from studio.media import media_kept
from studio.permissions import Actor
from studio.services import audit_record
from twins import quality
from twins.enums import Angle, CheckStatus, Framing, LicenseStatus, Lighting
from twins.models import CapturePhoto, License, ReplicaAgreement, Talent, Twin
from twins.permissions import talent_require

logger = logging.getLogger(__name__)


@transaction.atomic
def twin_create(*, actor: User, talent: Talent, name: str) -> Twin:
    talent = talent_require(actor, talent.pk)
    twin = Twin.objects.create(talent=talent, name=name)
    audit_record(actor=actor, verb="twin.created", obj=twin, talent_user=talent.user)
    return twin


def _may_capture(actor: User | Actor, twin: Twin) -> tuple[User, Talent]:
    """The talent, their agency, or the admin of a brand licensed to use the twin (at the
    brand's capture day) may add capture photos."""
    if isinstance(actor, Actor):
        brand = actor.require(Perm.MANAGE_MEMBERS)
        if not License.objects.filter(
            twin=twin,
            brand=brand,
            status=LicenseStatus.ACTIVE,
        ).exists():
            raise NotFound("No such twin among those your brand holds a license for.")
        return actor.user, Talent.objects.select_related("user").get(pk=twin.talent_id)
    return actor, talent_require(actor, twin.talent_id)


@media_kept()
def capture_photo_add(
    *,
    actor: User | Actor,
    twin: Twin,
    upload: IO[bytes],
    angle: str,
    framing: str,
    lighting: str,
) -> CapturePhoto:
    user, talent = _may_capture(actor, twin)
    for value, choices, label in (
        (angle, Angle, "angle"),
        (framing, Framing, "framing"),
        (lighting, Lighting, "lighting"),
    ):
        if value not in choices.values:
            raise StudioError(f"Unknown {label} {value!r}.")
    if not agreement_in_force(twin, timezone.localdate()):
        raise Conflict(
            "No replica agreement is in force for this twin: the talent signs one "
            "before any capture photo is taken in."
        )
    stored = image_ingest(upload, prefix=f"capture/{twin.pk}")  # checks before anything is saved
    if CapturePhoto.objects.filter(twin=twin, sha256=stored.sha256).exists():
        raise Conflict("This photo is in the capture set already.")
    try:
        with transaction.atomic():
            photo = CapturePhoto.objects.create(
                twin=twin,
                image=stored.name,
                sha256=stored.sha256,
                width=stored.width,
                height=stored.height,
                angle=angle,
                framing=framing,
                lighting=lighting,
                uploaded_by=user,
            )
            transaction.on_commit(lambda: capture_photo_check_send(photo.pk))
            audit_record(
                actor=user,
                verb="capture_photo.added",
                obj=photo,
                talent_user=talent.user,
                brand=actor.brand if isinstance(actor, Actor) else None,
                payload={"angle": angle, "framing": framing, "lighting": lighting},
            )
    except IntegrityError as exc:  # the same photo added concurrently
        raise Conflict("This photo is in the capture set already.") from exc
    return photo


def capture_check_task_id(photo_id: int) -> str:
    """The Celery task id of a photo's checks, so that the reconciler can ask the broker for it."""
    return f"capture-check-{photo_id}"


def capture_photo_check_send(photo_id: int) -> None:
    from twins.tasks import capture_photo_check_task  # tasks import services, not the reverse

    with unless_broker_down(f"the checks of capture photo {photo_id}"):
        capture_photo_check_task.apply_async((photo_id,), task_id=capture_check_task_id(photo_id))


def agreement_in_force(twin: Twin, on: date) -> ReplicaAgreement | None:
    agreements = ReplicaAgreement.objects.filter(twin=twin, ended_at=None)
    return next((a for a in agreements if a.in_force(on)), None)


@transaction.atomic
def agreement_sign(
    *,
    actor: User,
    twin: Twin,
    scope: str,
    purpose: str,
    pay_basis: str,
    starts_on: date,
    ends_on: date | None,
    text_version: str,
) -> ReplicaAgreement:
    """The talent signs the replica agreement for their twin. Only the person themself signs:
    an agency contract is not consent to a digital replica."""
    twin = Twin.objects.select_for_update().select_related("talent").get(pk=twin.pk)
    if twin.talent.user_id != actor.pk:
        raise PermissionDenied("Only the person the twin depicts signs its replica agreement.")
    if twin.consent_revoked_at is not None:
        raise Conflict("Consent for this twin was withdrawn; a new twin needs a new capture.")
    scope = text_checked(scope, "the scope")
    purpose = text_checked(purpose, "the purpose")
    pay_basis = text_checked(pay_basis, "the pay basis")
    if not all(text.strip() for text in (scope, purpose, pay_basis, text_version)):
        raise StudioError("Scope, purpose, pay basis and the agreement version are all needed.")
    if ends_on is not None and ends_on < starts_on:
        raise StudioError("The agreement ends before it starts.")
    if ReplicaAgreement.objects.filter(twin=twin, ended_at=None).exists():
        raise Conflict("An agreement is in place for this twin; end it before signing anew.")
    agreement = ReplicaAgreement.objects.create(
        twin=twin,
        scope=scope,
        purpose=purpose,
        pay_basis=pay_basis,
        starts_on=starts_on,
        ends_on=ends_on,
        text_version=text_version,
        signed_by=actor,
        signed_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        verb="agreement.signed",
        obj=agreement,
        talent_user=actor,
        payload={
            "text_version": text_version,
            "starts_on": str(starts_on),
            "ends_on": str(ends_on) if ends_on else None,
        },
    )
    return agreement


@transaction.atomic
def agreement_identity_verify(
    *, actor: User, agreement: ReplicaAgreement, method: str
) -> ReplicaAgreement:
    """Someone at the capture day (the talent's agency, or studio staff) confirms the signer's
    identity, and how."""
    agreement = (
        ReplicaAgreement.objects.select_for_update(of=("self",))
        .select_related("twin__talent")
        .get(pk=agreement.pk)
    )
    talent: Talent = agreement.twin.talent
    if actor.pk == talent.user_id:
        raise PermissionDenied("Someone other than the talent verifies their identity.")
    if not actor.is_staff:
        talent_require(actor, talent.pk)  # the talent's own agency
    if not method.strip():
        raise StudioError("Say how the identity was verified (e.g. passport seen).")
    agreement.identity_verified_by, agreement.identity_verified_at = actor, timezone.now()
    agreement.identity_method = method
    agreement.save(
        update_fields=["identity_verified_by", "identity_verified_at", "identity_method"]
    )
    audit_record(
        actor=actor,
        verb="agreement.identity_verified",
        obj=agreement,
        talent_user=talent.user,
        payload={"method": method},
    )
    return agreement


def capture_photo_check(*, photo_id: int) -> CapturePhoto | None:
    """Run the quality checks of one photo and store them. Idempotent: a photo already checked
    is left as it is; a photo deleted meanwhile is skipped."""
    photo = CapturePhoto.objects.filter(pk=photo_id).select_related("twin__talent").first()
    if photo is None or photo.check_status != CheckStatus.PENDING:
        return photo
    try:
        return _checks_run(photo)
    except Exception as exc:  # said on the photo, never sent again for ever (and logged)
        logger.exception("The checks of capture photo %s could not run", photo_id)
        broken = quality.Check(
            "checks", False, "", "", f"The checks could not run ({type(exc).__name__}): add the"
            " photo again."
        )  # fmt: skip
        return _checked(photo.pk, [broken], phash="")


def _checks_run(photo: CapturePhoto) -> CapturePhoto:
    try:
        with photo.image.open("rb") as handle:
            image = Image.open(handle)
            image.load()
    except OSError as exc:  # gone from storage, or damaged there: say so, never wait for ever
        logger.warning("Capture photo %s cannot be read: %s", photo.pk, exc)
        unreadable = quality.Check(
            "readable", False, "", "", "The stored image cannot be read: add the photo again."
        )
        return _checked(photo.pk, [unreadable], phash="")
    pixels = quality.grey(image)
    checks = [
        quality.check_size(image),
        quality.check_sharpness(pixels),
        quality.check_exposure(pixels),
    ]
    if photo.framing == Framing.FACE:
        checks.append(quality.check_face(pixels))
    phash = quality.perceptual_hash(image)
    earlier = CapturePhoto.objects.filter(twin=photo.twin_id, pk__lt=photo.pk).exclude(phash="")
    twin_of = next(
        (
            other
            for other in earlier
            if quality.hash_distance(phash, other.phash) <= settings.CAPTURE_DUPLICATE_DISTANCE
        ),
        None,
    )
    checks.append(
        quality.Check(
            "duplicate",
            twin_of is None,
            twin_of.pk if twin_of else "",
            "",
            f"Near-duplicate of photo #{twin_of.pk}" if twin_of else "Distinct from the others",
        )
    )
    return _checked(photo.pk, checks, phash=phash)


@transaction.atomic
def _checked(photo_id: int, checks: list[quality.Check], *, phash: str) -> CapturePhoto:
    locked = CapturePhoto.objects.select_for_update().get(pk=photo_id)
    if locked.check_status != CheckStatus.PENDING:  # a duplicate delivery got here first
        return locked
    locked.checks = [check.as_dict() for check in checks]
    locked.phash = phash
    locked.check_status = (
        CheckStatus.PASSED if all(c.passed for c in checks) else CheckStatus.FAILED
    )
    locked.checked_at = timezone.now()
    locked.save(update_fields=["checks", "phash", "check_status", "checked_at"])
    return locked
