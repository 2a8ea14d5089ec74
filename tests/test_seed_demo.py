from datetime import date, timedelta
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from campaigns.management.commands.seed_demo import demo_term
from campaigns.models import Campaign, Garment, Look, Render, RenderJob
from studio.enums import Role
from studio.models import AuditEvent, Brand, Membership
from twins.models import (
    Agency,
    CapturePhoto,
    License,
    ReplicaAgreement,
    Representation,
    Talent,
    Twin,
    TwinVersion,
    UsageLine,
)

pytestmark = [pytest.mark.django_db, pytest.mark.defaults]


def snapshot(media_files) -> dict[str, Any]:
    return {
        "users": get_user_model().objects.count(),
        "brands": list(Brand.objects.values_list("slug", flat=True)),
        "memberships": Membership.objects.count(),
        "agencies": Agency.objects.count(),
        "talent": Talent.objects.count(),
        "representations": Representation.objects.count(),
        "twins": Twin.objects.count(),
        "photos": CapturePhoto.objects.count(),
        "garments": Garment.objects.count(),
        "licenses": sorted(License.objects.values_list("status", flat=True)),
        "usage": UsageLine.objects.count(),
        "versions": TwinVersion.objects.count(),
        "looks": Look.objects.count(),
        "jobs": sorted(RenderJob.objects.values_list("state", flat=True)),
        "renders": Render.objects.count(),
        "events": AuditEvent.objects.count(),
        "files": media_files(),
        "passwords": list(
            get_user_model().objects.order_by("pk").values_list("password", flat=True)
        ),
    }


def test_seed_demo_builds_the_demo_and_a_second_run_changes_nothing(media_files):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    first = snapshot(media_files)
    assert first["brands"] == ["aurel", "nordlys"]
    assert first["talent"] == 6 and first["agencies"] == 2 and first["twins"] == 6
    assert first["photos"] == 6 * 10
    assert first["garments"] == 16
    # One garment per brand comes as a packshot, its cut-out computed, its tag to paint away.
    computed = Garment.objects.filter(cutout_computed=True).exclude(packshot="")
    assert sorted(computed.values_list("sku", flat=True)) == ["AU-SC-008", "NL-BG-108"]
    # Every role in both brands, and one person in both.
    for slug in ("aurel", "nordlys"):
        roles = set(Membership.objects.filter(brand__slug=slug).values_list("role", flat=True))
        assert roles == set(Role.values)
    assert Membership.objects.filter(user__username="freelance-stylist").count() == 2
    # Drawn capture photos cover several angles and lights at a trainable size.
    photos = CapturePhoto.objects.filter(twin__talent__user__username="ines")
    assert photos.values("angle").distinct().count() == 6
    assert photos.values("lighting").distinct().count() == 3
    assert min(min(p.width, p.height) for p in photos) >= 1024
    # Cut-outs are PNGs with transparency.
    from PIL import Image

    garment = Garment.objects.get(sku="AU-DR-003")
    with garment.cutout.open("rb") as handle:
        cutout = Image.open(handle)
        assert cutout.format == "PNG" and cutout.mode == "RGBA"
        assert cutout.getextrema()[3] == (0, 255)
    # Licenses in every state, and one talent licensed to both competing brands.
    assert set(first["licenses"]) == {
        "requested",
        "countered",
        "active",
        "declined",
        "expired",
        "revoked",
    }
    both = License.objects.filter(twin__talent__user__username="ines", status="active")
    assert {lic.brand.slug for lic in both} == {"aurel", "nordlys"}
    assert ReplicaAgreement.objects.filter(identity_verified_by__isnull=False).count() == 6
    assert first["usage"] > 0
    # Every capture photo checked and passed, and a reference version of each twin.
    assert set(CapturePhoto.objects.values_list("check_status", flat=True)) == {"passed"}
    assert set(TwinVersion.objects.values_list("status", flat=True)) == {"succeeded"}
    assert TwinVersion.objects.count() == 6
    assert first["looks"] == 5
    # Aurel's looks show a twin that may wear them, and one look that she may not.
    from campaigns.selectors import look_wearers
    from studio.permissions import actor_for

    director = actor_for(get_user_model().objects.get(username="aurel-director"), "aurel")
    verdicts = {
        look.name: [w.check.allowed for w in look_wearers(actor=director, look=look)]
        for look in Look.objects.filter(brand__slug="aurel")
    }
    assert verdicts == {"Spring city": [True], "Evening": [True], "Coat over tee": [False]}
    # A campaign with rendered shots, one in progress and one failed with its error.
    campaign = Campaign.objects.get(brand__slug="aurel", name="Spring in the city")
    assert campaign.status == "in_production" and campaign.scenes.count() == 3
    assert first["jobs"] == ["failed", "running", *["succeeded"] * 6]
    assert first["renders"] == 6
    assert "CUDA out of memory" in RenderJob.objects.get(state="failed").error
    assert RenderJob.objects.get(state="running").progress_step == 12
    text = out.getvalue()
    assert "twin-studio-demo" in text and "aurel-director" in text and "ines" in text

    again = StringIO()
    call_command("seed_demo", stdout=again)
    assert snapshot(media_files) == first
    assert "nothing changed" in again.getvalue()


@pytest.mark.parametrize(
    "today", [date(2026, 1, 1), date(2026, 11, 30), date(2027, 12, 31), date(2032, 2, 29)]
)
def test_the_demo_dates_hold_whatever_day_the_demo_is_seeded(today):
    term = demo_term(today)
    # the usage recorded up to 140 days back and the campaign next spring lie inside the term
    assert term["starts_on"] <= today - timedelta(days=140)
    assert term["ends_on"] >= date(today.year + 1, 5, 31)
    past = demo_term(today, past=True)
    assert past["starts_on"] < past["ends_on"] < term["starts_on"]
