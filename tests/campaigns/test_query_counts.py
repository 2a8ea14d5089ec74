"""Every list, page or API, reads the same number of queries for a small studio and a bigger
one: a list that loads a row's relations one row at a time is found here, not by the first brand
with a real catalogue."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaigns.models import RenderJob, RenderWorker
from campaigns.services import (
    LookItemInput,
    look_save,
    matrix_queue,
    render_job_run,
    scene_add,
)
from studio.enums import Role
from tests.campaigns.conftest import another_campaign, trained_version
from tests.factories import (
    CapturePhotoFactory,
    GarmentFactory,
    LicenseFactory,
    MembershipFactory,
    ReplicaAgreementFactory,
    RepresentationFactory,
    TalentFactory,
    TwinFactory,
)
from twins.services import usage_record

pytestmark = pytest.mark.django_db


def addresses(studio):
    """(who, url) for the lists of the API and the pages, with the studio's objects' ids."""
    world = studio.world
    director = world.user("brand-a", Role.CREATIVE_DIRECTOR)
    admin = world.user("brand-a", Role.BRAND_ADMIN)
    talent = world.talent_a
    campaign = studio.campaign.pk
    return [
        (director, reverse("api-garment-list")),
        (director, reverse("api-look-list")),
        (director, reverse("api-campaign-list")),
        (director, reverse("api-campaign-batches", args=[campaign])),
        (director, reverse("api-scene-list", args=[campaign])),
        (director, reverse("api-shot-list", args=[campaign])),
        (director, reverse("api-job-list")),
        (director, reverse("api-render-list")),
        (director, reverse("api-farm")),
        (director, reverse("api-license-list")),
        (director, reverse("api-twin-catalogue")),
        (director, reverse("api-brand-statement") + "?month=2026-06"),
        (admin, reverse("api-member-list")),
        (admin, reverse("api-audit-list")),
        (talent.user, reverse("api-twin-list")),
        (talent.user, reverse("api-talent-licenses", args=[talent.pk])),
        (talent.user, reverse("api-talent-usage", args=[talent.pk])),
        (talent.user, reverse("api-talent-audit", args=[talent.pk])),
        (talent.user, reverse("api-twin-versions", args=[world.twin_a.pk])),
        (talent.user, reverse("api-twin-photos", args=[world.twin_a.pk])),
        (world.agency.members.get().user, reverse("api-talent-list")),
        # The pages that list things or show an object with its relations.
        (director, reverse("dashboard")),
        (director, reverse("garment-list")),
        (director, reverse("look-list")),
        (director, reverse("look-create")),
        (director, reverse("look-detail", args=[studio.look.pk])),
        (director, reverse("look-edit", args=[studio.look.pk])),
        (
            director,
            reverse("garment-detail", args=[studio.look.items.order_by("pk").first().garment_id]),
        ),
        (director, reverse("campaign-edit", args=[campaign])),
        (director, reverse("shot-detail", args=[studio.campaign.shots.order_by("pk").first().pk])),
        (director, reverse("license-request", args=[world.twin_a.pk])),
        (director, reverse("campaign-list")),
        (director, reverse("campaign-board", args=[campaign])),
        (director, reverse("campaign-cards", args=[campaign])),
        (director, reverse("matrix-builder", args=[campaign])),
        (director, reverse("render-farm")),
        (director, reverse("twin-catalogue")),
        (director, reverse("brand-licenses")),
        (director, reverse("brand-statement") + "?month=2026-06"),
        (admin, reverse("member-list")),
        (admin, reverse("audit-log")),
        (talent.user, reverse("talent-detail", args=[talent.pk])),
        (talent.user, reverse("twin-detail", args=[world.twin_a.pk])),
        (talent.user, reverse("twin-versions", args=[world.twin_a.pk])),
        (talent.user, reverse("twin-coverage", args=[world.twin_a.pk])),
        (talent.user, reverse("talent-licenses", args=[talent.pk])),
        (talent.user, reverse("talent-earnings", args=[talent.pk]) + "?month=2026-06"),
        (talent.user, reverse("talent-usage", args=[talent.pk])),
        (talent.user, reverse("talent-audit", args=[talent.pk])),
        (world.agency.members.get().user, reverse("talent-list")),
    ]


def queries(studio):
    counts = {}
    client = Client()
    for user, url in addresses(studio):
        client.force_login(user)
        with CaptureQueriesContext(connection) as read:
            response = client.get(url)
        assert response.status_code == 200, (url, response.content[:300])
        counts[url] = len(read)
    return counts


def grow(studio, django_capture_on_commit_callbacks, n, tag):
    """``n`` more of everything the lists show, each with the relations it shows."""
    world, director = studio.world, studio.director
    looks = [studio.look.pk]
    for i in range(n):
        top = GarmentFactory(brand=world.brand_a, category="top", name=f"Top {tag}{i}")
        jeans = GarmentFactory(brand=world.brand_a, category="bottom", name=f"Jeans {tag}{i}")
        look = look_save(
            actor=director,
            name=f"Look {tag}{i}",
            items=[LookItemInput(top.pk), LookItemInput(jeans.pk)],
        )
        look_save(  # the first look's top, worn again
            actor=director,
            name=f"Look {tag}{i} again",
            items=[
                LookItemInput(studio.look.items.order_by("pk").first().garment_id),
                LookItemInput(jeans.pk),
            ],
        )
        looks.append(look.pk)
        campaign = another_campaign(studio, f"Campaign {tag}{i}")
        scene_add(actor=director, campaign=campaign, name="Sand", kind="colour", value="#d8c8a8")
        grey = scene_add(
            actor=director,
            campaign=studio.campaign,
            name=f"Grey {tag}{i}",
            kind="colour",
            value="#888888",
        )
        represented = TalentFactory(discoverable=True)  # on the agency's roster and findable
        RepresentationFactory(talent=represented, agency=world.agency)
        ReplicaAgreementFactory(twin=TwinFactory(talent=represented))
        LicenseFactory(twin=represented.twins.get(), brand=world.brand_a, status="requested")
        MembershipFactory(brand=world.brand_a, role=Role.STYLIST)
        twin = TwinFactory(talent=world.talent_a, name=f"Twin {tag}{i}")
        ReplicaAgreementFactory(twin=twin)
        CapturePhotoFactory(twin=world.twin_a, angle="back")
        license = LicenseFactory(
            twin=twin, brand=world.brand_a, starts_on=date(2026, 1, 1), per_asset_fee=1
        )
        usage_record(
            license=license,
            asset_ref=f"asset-{tag}{i}",
            channel="web",
            markets=["FR"],
            used_on=date(2026, 6, 1),
        )
    trained_version(world.twin_a, angles=("front", "back"))
    with django_capture_on_commit_callbacks(execute=False):
        matrix_queue(
            actor=director,
            campaign=studio.campaign,
            spec=studio.spec(looks=tuple(looks[: n // 2 + 1]), scenes=(grey.pk,), variants=n + 2),
        )
    for job in RenderJob.objects.filter(state="queued")[:n]:
        render_job_run(job_id=str(job.pk), worker="w")
    now = timezone.now()
    for i in range(n):  # workers on the farm, each running one of the jobs
        worker = RenderWorker.objects.create(
            hostname=f"gpu-{tag}{i}", queues=["gpu"], started_at=now, last_seen_at=now
        )
        job = RenderJob.objects.filter(state="queued").first()
        RenderJob.objects.filter(pk=job.pk).update(
            state="running", worker=worker.hostname, started_at=now, heartbeat_at=now
        )


def test_no_list_reads_more_for_more_rows(studio, django_capture_on_commit_callbacks):
    grow(studio, django_capture_on_commit_callbacks, 1, "a")
    few = queries(studio)
    grow(studio, django_capture_on_commit_callbacks, 4, "b")
    many = queries(studio)
    assert {url: many[url] for url in many if many[url] > few[url]} == {}
