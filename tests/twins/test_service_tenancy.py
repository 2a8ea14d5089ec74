"""The twins services refuse what is not the caller's, whatever page or endpoint calls them:
another talent, an agency that does not represent the talent, and another brand reach none of a
talent's twins, agreements, versions and licenses, and change nothing."""

import io
from collections.abc import Callable
from datetime import date

import pytest

from studio.enums import Role
from studio.errors import NotFound, PermissionDenied
from studio.models import AuditEvent
from studio.permissions import actor_for
from tests.factories import LicenseFactory
from twins.enums import LicenseStatus
from twins.models import License, ReplicaAgreement, StandingTerms, Twin, TwinVersion
from twins.services import (
    Terms,
    agreement_identity_verify,
    agreement_sign,
    capture_photo_add,
    license_accept,
    license_accept_counter,
    license_counter,
    license_decline,
    license_revoke,
    standing_terms_update,
    twin_consent_revoke,
    twin_create,
    twin_version_cancel,
    twin_version_retire,
    twin_version_train,
)

pytestmark = pytest.mark.django_db

TERMS = Terms(
    starts_on=date(2027, 1, 1), ends_on=date(2027, 6, 30), markets=["DE"], channels=["instagram"],
    categories=["top"],
)  # fmt: skip


def snapshot():
    return (
        AuditEvent.objects.count(),
        list(License.objects.order_by("pk").values_list("status", "ends_on")),
        list(TwinVersion.objects.order_by("pk").values_list("status", "retired_at")),
        list(ReplicaAgreement.objects.order_by("pk").values_list("identity_verified_at")),
        list(Twin.objects.order_by("pk").values_list("name", "consent_revoked_at")),
        list(StandingTerms.objects.values_list("excluded_categories", flat=True)),
    )


def refused_all_changing_nothing(calls: dict[str, Callable[[], object]]) -> None:
    """Each of ``calls`` refused as to an outsider, and the database as it was."""
    before = snapshot()
    for name, call in calls.items():
        try:
            call()
        except (NotFound, PermissionDenied):
            continue
        pytest.fail(f"{name} let an outsider through")
    assert snapshot() == before


@pytest.mark.parametrize("who", ["other talent", "stranger agency", "brand admin"])
def test_talent_services_refuse_outsiders_and_change_nothing(world, who):
    outsider = {
        "other talent": world.talent_b.user,
        "stranger agency": world.other_agency.members.first().user,
        "brand admin": world.user("brand-b", Role.BRAND_ADMIN),
    }[who]
    talent, twin = world.talent_a, world.twin_a
    requested = LicenseFactory(twin=twin, brand=world.brand_a, status=LicenseStatus.REQUESTED)
    active = LicenseFactory(twin=twin, brand=world.brand_a, current=True)
    running, done = (
        TwinVersion.objects.create(
            twin=twin,
            number=n,
            backend="reference",
            trigger_token="tw",
            status=status,
            started_by=talent.user,
        )
        for n, status in ((1, "running"), (2, "succeeded"))
    )
    agreement = twin.agreements.get()
    refused = {
        "twin_create": lambda: twin_create(actor=outsider, talent=talent, name="Taken"),
        "agreement_sign": lambda: agreement_sign(
            actor=outsider,
            twin=twin,
            scope="full",
            purpose="commercial",
            pay_basis="flat",
            starts_on=date(2027, 1, 1),
            ends_on=None,
            text_version="v1",
        ),
        "agreement_identity_verify": lambda: agreement_identity_verify(
            actor=outsider, agreement=agreement, method="in person"
        ),
        "capture_photo_add": lambda: capture_photo_add(
            actor=outsider,
            twin=twin,
            upload=io.BytesIO(b""),
            angle="front",
            framing="full",
            lighting="studio",
        ),
        "standing_terms_update": lambda: standing_terms_update(
            actor=outsider,
            talent=talent,
            excluded_categories=["top"],
            excluded_content_tags=[],
            blocked_brands=[],
            agency_needs_confirmation=False,
        ),
        "license_accept": lambda: license_accept(actor=outsider, license=requested),
        "license_counter": lambda: license_counter(actor=outsider, license=requested, terms=TERMS),
        "license_decline": lambda: license_decline(actor=outsider, license=requested),
        "license_revoke": lambda: license_revoke(actor=outsider, license=active, reason="x"),
        "twin_consent_revoke": lambda: twin_consent_revoke(actor=outsider, twin=twin, reason="x"),
        "twin_version_train": lambda: twin_version_train(actor=outsider, twin=twin),
        "twin_version_cancel": lambda: twin_version_cancel(actor=outsider, version=running),
        "twin_version_retire": lambda: twin_version_retire(actor=outsider, version=done),
    }
    refused_all_changing_nothing(refused)


def test_brand_services_refuse_another_brands_license_and_change_nothing(world):
    other = actor_for(world.user("brand-b", Role.BRAND_ADMIN), "brand-b")
    countered = LicenseFactory(twin=world.twin_a, brand=world.brand_a, status="countered")
    refused = {
        "license_accept_counter": lambda: license_accept_counter(actor=other, license=countered),
        "license_counter": lambda: license_counter(actor=other, license=countered, terms=TERMS),
        "license_decline": lambda: license_decline(actor=other, license=countered),
    }
    refused_all_changing_nothing(refused)
