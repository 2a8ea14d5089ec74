"""Free text (a campaign's brief, a look's notes, a license's note, a reason, the terms of a
replica agreement) is kept to TEXT_MAX characters by every way in: the services hold the limit
(some pages post straight to them), the forms and the API say so at the field first."""

from dataclasses import replace
from datetime import date

import pytest
from django.urls import reverse

from campaigns.models import Campaign, Look
from campaigns.services import LookItemInput, look_save
from campaigns.services.production import CampaignInput, campaign_create, campaign_update
from studio.enums import Role
from studio.errors import TEXT_MAX, StudioError
from studio.permissions import actor_for
from tests.factories import LicenseFactory, TwinFactory
from twins.enums import LicenseStatus
from twins.models import License, ReplicaAgreement, Twin
from twins.services import (
    Terms,
    agreement_sign,
    license_decline,
    license_request,
    license_revoke,
    twin_consent_revoke,
)

pytestmark = pytest.mark.django_db

LONG = "x" * (TEXT_MAX + 1)
LONGEST = "  " + "y" * TEXT_MAX + "\n"  # the longest there is, once stripped as it is kept
TOO_LONG = f"At most {TEXT_MAX:,} characters in "


def test_a_brief_past_its_longest_is_refused_on_create_and_on_update(world):
    director = actor_for(world.user("brand-a", Role.CREATIVE_DIRECTOR), "brand-a")
    data = CampaignInput(
        name="Resort",
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 2, 1),
        markets=["DE"],
        channels=["instagram"],
        brief=LONG,
    )
    with pytest.raises(StudioError, match=f"{TOO_LONG}a brief; this has 10,001."):
        campaign_create(actor=director, data=data)
    assert not Campaign.objects.exists()
    campaign = campaign_create(actor=director, data=replace(data, brief=LONGEST))
    assert campaign.brief == "y" * TEXT_MAX
    with pytest.raises(StudioError, match=f"{TOO_LONG}a brief"):
        campaign_update(actor=director, campaign=campaign, data=replace(data, name="Changed"))
    assert Campaign.objects.get().name == "Resort"


def test_notes_past_their_longest_are_refused_by_the_service_and_the_api(world, login):
    stylist = actor_for(world.user("brand-a", Role.STYLIST), "brand-a")
    items = [LookItemInput(world.garment_a.pk)]
    with pytest.raises(StudioError, match=f"{TOO_LONG}a look's notes"):
        look_save(actor=stylist, name="Coat", items=items, notes=LONG)
    look = look_save(actor=stylist, name="Coat", items=items, notes=LONGEST)
    assert look.notes == "y" * TEXT_MAX
    with pytest.raises(StudioError, match=f"{TOO_LONG}a look's notes"):
        look_save(actor=stylist, name="Renamed", items=items, notes=LONG, look=look)
    assert Look.objects.get().name == "Coat"

    answer = login(world.user("brand-a", Role.STYLIST)).post(
        reverse("api-look-list"),
        {"name": "Other", "notes": LONG, "items": [{"garment": world.garment_a.pk}]},
        content_type="application/json",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["notes"]
    assert Look.objects.count() == 1


def test_a_license_note_and_reasons_past_their_longest_change_nothing(world):
    director = actor_for(world.user("brand-a", Role.CREATIVE_DIRECTOR), "brand-a")
    world.talent_a.discoverable = True
    world.talent_a.save()
    terms = Terms(
        starts_on=date(2027, 1, 1),
        ends_on=date(2027, 6, 30),
        markets=["DE"],
        channels=["instagram"],
        categories=["top"],
        note=LONG,
    )
    with pytest.raises(StudioError, match=f"{TOO_LONG}a note."):
        license_request(actor=director, twin=world.twin_a, terms=terms)
    assert not License.objects.exists()
    asked = license_request(actor=director, twin=world.twin_a, terms=replace(terms, note=LONGEST))
    assert asked.note == "y" * TEXT_MAX

    talent = world.talent_a.user
    with pytest.raises(StudioError, match=f"{TOO_LONG}a reason"):
        license_decline(actor=talent, license=asked, reason=LONG)
    active = LicenseFactory(twin=world.twin_a, brand=world.brand_b)
    with pytest.raises(StudioError, match=f"{TOO_LONG}a reason"):
        license_revoke(actor=talent, license=active, reason=LONG)
    with pytest.raises(StudioError, match=f"{TOO_LONG}a reason"):
        twin_consent_revoke(actor=talent, twin=world.twin_a, reason=LONG)
    statuses = dict(License.objects.values_list("pk", "status"))
    assert statuses == {asked.pk: LicenseStatus.REQUESTED, active.pk: LicenseStatus.ACTIVE}
    assert Twin.objects.get(pk=world.twin_a.pk).consent_revoked_at is None

    license_revoke(actor=talent, license=active, reason=LONGEST)
    assert License.objects.get(pk=active.pk).revoked_reason == "y" * TEXT_MAX


@pytest.mark.parametrize("field", ["scope", "purpose", "pay_basis"])
def test_an_agreement_past_its_longest_is_not_signed(world, field):
    twin = TwinFactory(talent=world.talent_a, name="New twin")
    terms = {"scope": "Imagery", "purpose": "Campaigns", "pay_basis": "Per license"}
    with pytest.raises(StudioError, match=f"{TOO_LONG}the {field.replace('_', ' ')}"):
        agreement_sign(
            actor=world.talent_a.user,
            twin=twin,
            **{**terms, field: LONG},
            starts_on=date(2027, 1, 1),
            ends_on=None,
            text_version="2026-01",
        )
    assert not ReplicaAgreement.objects.filter(twin=twin).exists()


def test_the_talent_is_told_on_the_page_and_in_the_api_and_the_license_stays(world, login):
    license = LicenseFactory(twin=world.twin_a, brand=world.brand_a)
    talent = login(world.talent_a.user)
    page = talent.post(
        reverse("talent-license-decide", args=[license.pk, "revoke"]), {"reason": LONG}, follow=True
    )
    messages = [str(m) for m in page.context["messages"]]
    assert messages == [f"{TOO_LONG}a reason; this has 10,001."]
    answer = talent.post(
        reverse("api-talent-license-action", args=[license.pk, "revoke"]),
        {"reason": LONG},
        content_type="application/json",
    )
    assert answer.status_code == 400 and list(answer.json()) == ["reason"]
    assert License.objects.get(pk=license.pk).status == LicenseStatus.ACTIVE
