"""Demo data for the whole studio. Running it again changes nothing."""

import io
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from campaigns import demo as garment_demo
from campaigns.models import Campaign, Garment, Look, RenderJob
from campaigns.services import (
    CampaignInput,
    LookItemInput,
    MatrixSpec,
    campaign_create,
    garment_create,
    look_save,
    matrix_queue,
    render_job_run,
    scene_add,
)
from studio.enums import Role
from studio.models import Brand, Membership
from studio.permissions import actor_for
from studio.services import brand_create, membership_add
from twins import demo as twin_demo
from twins.models import (
    Agency,
    AgencyMember,
    CapturePhoto,
    License,
    ReplicaAgreement,
    StandingTerms,
    Talent,
    Twin,
)
from twins.services import (
    Terms,
    agency_create,
    agreement_identity_verify,
    agreement_sign,
    capture_photo_add,
    license_accept,
    license_counter,
    license_decline,
    license_expire_due,
    license_request,
    license_revoke,
    representation_start,
    standing_terms_update,
    talent_create,
    twin_create,
    twin_version_run,
    twin_version_train,
    usage_record,
)
from twins.services.capture import capture_photo_check

DEMO_CAMPAIGN = "Spring in the city"
PASSWORD = "twin-studio-demo"  # noqa: S105  (printed for the demo logins)

BRANDS = {
    "aurel": (
        "Maison Aurel",
        {
            "aurel-admin": Role.BRAND_ADMIN,
            "aurel-director": Role.CREATIVE_DIRECTOR,
            "aurel-stylist": Role.STYLIST,
            "aurel-social": Role.SOCIAL_TEAM,
            "freelance-stylist": Role.STYLIST,
        },
    ),
    "nordlys": (
        "Nordlys Studio",
        {
            "nordlys-admin": Role.BRAND_ADMIN,
            "nordlys-director": Role.CREATIVE_DIRECTOR,
            "nordlys-stylist": Role.STYLIST,
            "nordlys-social": Role.SOCIAL_TEAM,
            "freelance-stylist": Role.STYLIST,
        },
    ),
}
AGENCIES = {
    "northstar": ("Northstar Models", "northstar-booker"),
    "atelier": ("Atelier Faces", "atelier-booker"),
}
# login, display name, agency (or None), may the agency act for them
TALENT = [
    ("ines", "Inès Moreau", "northstar", True),
    ("kofi", "Kofi Mensah", "northstar", True),
    ("mei", "Mei Tanaka", "northstar", True),
    ("lars", "Lars Eriksen", "atelier", True),
    ("amara", "Amara Okafor", "atelier", False),
    ("diego", "Diego Alvarez", None, True),
]


STANDING_TERMS: dict[str, dict[str, Any]] = {
    "ines": {"categories": ["swimwear", "lingerie"], "tags": ["alcohol", "tobacco"]},
    "mei": {"confirm": True, "tags": ["political"]},
    "diego": {"blocked": ["aurel"], "categories": ["lingerie"]},
}


def _month_start(day: date, months: int) -> date:
    """The first day of the month ``months`` after ``day``'s (before it, when negative)."""
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def demo_term(today: date, *, past: bool = False) -> dict[str, date]:
    """Demo dates follow the day the demo is seeded: licenses run from six months back to
    eighteen ahead, so the demo campaign (next spring) always lies inside them; an expired
    license ran for six months a year and a half ago."""
    if past:
        return {
            "starts_on": _month_start(today, -18),
            "ends_on": _month_start(today, -12) - timedelta(days=1),
        }
    return {
        "starts_on": _month_start(today, -6),
        "ends_on": _month_start(today, 19) - timedelta(days=1),
    }


# key (kept in the license note) → brand, talent, final state, terms. Inès is licensed to both
# competing brands: Aurel exclusively for tops and bottoms, Nordlys for outerwear and shoes.
DEMO_LICENSES: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "aurel-ines": (
        "aurel",
        "ines",
        "active",
        {
            "markets": ["FR", "DE", "IT"],
            "channels": ["instagram", "tiktok", "web"],
            "categories": ["top", "bottom", "dress", "accessory"],
            "exclusivity": "category",
            "against": ["nordlys"],
            "max_published_assets": 40,
            "flat_fee": Decimal("150.00"),
            "per_asset_fee": Decimal("45.00"),
        },
    ),
    "nordlys-ines": (
        "nordlys",
        "ines",
        "active",
        {
            "markets": ["NO", "SE", "DK"],
            "channels": ["instagram", "web"],
            "categories": ["outerwear", "shoes"],
            "flat_fee": Decimal("120.00"),
            "per_asset_fee": Decimal("30.00"),
        },
    ),
    "aurel-kofi": (
        "aurel",
        "kofi",
        "requested",
        {
            "markets": ["FR"],
            "channels": ["instagram"],
            "categories": ["top", "bottom"],
            "flat_fee": Decimal("90.00"),
            "per_asset_fee": Decimal("25.00"),
        },
    ),
    "nordlys-mei": (
        "nordlys",
        "mei",
        "countered",
        {
            "markets": ["NO", "SE"],
            "channels": ["tiktok", "web"],
            "categories": ["outerwear"],
            "flat_fee": Decimal("80.00"),
            "per_asset_fee": Decimal("20.00"),
        },
    ),
    "nordlys-amara": (
        "nordlys",
        "amara",
        "declined",
        {
            "markets": ["DE"],
            "channels": ["print"],
            "categories": ["outerwear"],
            "flat_fee": Decimal("60.00"),
            "per_asset_fee": Decimal("15.00"),
        },
    ),
    "nordlys-diego": (
        "nordlys",
        "diego",
        "expired",
        {
            "markets": ["ES"],
            "channels": ["instagram"],
            "categories": ["top"],
            "flat_fee": Decimal("70.00"),
            "per_asset_fee": Decimal("10.00"),
        },
    ),
    "aurel-amara": (
        "aurel",
        "amara",
        "revoked",
        {
            "markets": ["FR", "BE"],
            "channels": ["web"],
            "categories": ["dress"],
            "flat_fee": Decimal("110.00"),
            "per_asset_fee": Decimal("35.00"),
        },
    ),
}


class Command(BaseCommand):
    help = "Create the demo brands, team, agencies, talent, capture photos and garments."

    def handle(self, *args: Any, **options: Any) -> None:
        self.created: list[str] = []
        staff = self._user("admin", is_staff=True, is_superuser=True)
        for slug, (name, members) in BRANDS.items():
            self._brand(staff, slug, name, members)
        for slug, (name, booker) in AGENCIES.items():
            if not Agency.objects.filter(slug=slug).exists():
                agency_create(actor=staff, name=name, slug=slug, staff=[self._user(booker)])
        for index, (login, display_name, agency_slug, may_act) in enumerate(TALENT):
            self._talent(staff, index, login, display_name, agency_slug, may_act)
        for talent in Talent.objects.all():
            self._version(talent)
        self._terms_and_licenses()
        for slug, catalogue in garment_demo.CATALOGUES.items():
            stylist = actor_for(self._user(f"{slug}-stylist"), slug)
            for sku, name, category, colour in catalogue:
                if not Garment.objects.filter(brand__slug=slug, sku=sku).exists():
                    garment_create(
                        actor=stylist,
                        sku=sku,
                        name=name,
                        category=category,
                        cutout=io.BytesIO(garment_demo.draw_cutout(category, colour)),
                        colourways=["core", "seasonal"],
                        sizes=["XS", "S", "M", "L", "XL"],
                        season="SS27",
                    )
                    self.created.append(f"garment {sku}")
            sku, name, category, colour = garment_demo.PACKSHOTS[slug]
            if not Garment.objects.filter(brand__slug=slug, sku=sku).exists():
                garment_create(
                    actor=stylist,
                    sku=sku,
                    name=name,
                    category=category,
                    packshot=io.BytesIO(garment_demo.draw_packshot(category, colour)),
                    season="SS27",
                )
                self.created.append(f"garment {sku} (cut-out computed from its packshot)")
            for look_name, skus in garment_demo.LOOKS[slug].items():
                if not Look.objects.filter(brand__slug=slug, name=look_name).exists():
                    garments = Garment.objects.filter(brand__slug=slug, sku__in=skus)
                    look_save(
                        actor=stylist, name=look_name, items=[LookItemInput(g.pk) for g in garments]
                    )
                    self.created.append(f"look {look_name}")
        self._campaign()
        self._report()

    def _campaign(self) -> None:
        """Aurel's SS27 campaign with Inès: rendered shots (preview backend), one in progress,
        one failed with its error."""
        if Campaign.objects.filter(brand__slug="aurel", name=DEMO_CAMPAIGN).exists():
            return
        director = actor_for(self._user("aurel-director"), "aurel")
        campaign = campaign_create(
            actor=director,
            data=CampaignInput(
                name=DEMO_CAMPAIGN,
                brief="Paris and Berlin streets in spring light: the city wardrobe, worn easy.",
                starts_on=date(timezone.localdate().year + 1, 3, 1),
                ends_on=date(timezone.localdate().year + 1, 5, 31),
                markets=["FR", "DE"],
                channels=["instagram"],
                gpu_budget_seconds=1800,
            ),
        )
        stone = scene_add(
            actor=director, campaign=campaign, name="Stone", kind="colour", value="#e8e4dc"
        )
        scene_add(actor=director, campaign=campaign, name="Sage", kind="colour", value="#c9d3c0")
        scene_add(
            actor=director,
            campaign=campaign,
            name="Rooftop",
            kind="prompt",
            value="a Paris rooftop at golden hour, zinc roofs, soft haze",
        )
        ines = Twin.objects.get(talent__user__username="ines", name="Main twin")
        looks = Look.objects.filter(brand__slug="aurel", name__in=["Spring city", "Evening"])
        batch = matrix_queue(
            actor=director,
            campaign=campaign,
            spec=MatrixSpec(
                looks=tuple(look.pk for look in looks),
                twins=(ines.pk,),
                poses=("standing-front", "walking-three-quarter"),
                scenes=(stone.pk,),
                formats=("4:5", "1:1"),
            ),
        )
        jobs = list(RenderJob.objects.filter(batch=batch.batch).order_by("shot__id"))
        for job in jobs[:-2]:
            render_job_run(job_id=str(job.pk), worker="seed_demo")
        garment_demo.stage_job_states(running=jobs[-2], failed=jobs[-1])
        self.created.append(f"campaign {DEMO_CAMPAIGN} with {len(jobs)} shots")

    def _user(self, username: str, **flags: bool) -> User:
        user, created = get_user_model().objects.get_or_create(username=username, defaults=flags)
        if created:
            user.set_password(PASSWORD)
            user.save(update_fields=["password"])
            self.created.append(f"user {username}")
        return user

    @transaction.atomic
    def _brand(self, staff: User, slug: str, name: str, members: Mapping[str, str]) -> None:
        admin_login = next(login for login, role in members.items() if role == Role.BRAND_ADMIN)
        brand = Brand.objects.filter(slug=slug).first()
        if brand is None:
            brand = brand_create(actor=staff, name=name, slug=slug, admin=self._user(admin_login))
            self.created.append(f"brand {slug}")
        admin = actor_for(self._user(admin_login), slug)
        for login, role in members.items():
            user = self._user(login)
            if not Membership.objects.filter(brand=brand, user=user).exists():
                membership_add(actor=admin, user=user, role=role)

    def _talent(
        self,
        staff: User,
        index: int,
        login: str,
        display_name: str,
        agency_slug: str | None,
        may_act: bool,
    ) -> None:
        user = self._user(login)
        talent = Talent.objects.filter(user=user).first()
        if talent is None:
            talent = talent_create(
                actor=staff,
                user=user,
                display_name=display_name,
                discoverable=login != "lars",  # Lars is reached only through his agency
            )
            self.created.append(f"talent {login}")
            if agency_slug:
                representation_start(
                    actor=user,
                    talent=talent,
                    agency=Agency.objects.get(slug=agency_slug),
                    started_on=demo_term(timezone.localdate())["starts_on"],
                    may_act=may_act,
                )
        twin = Twin.objects.filter(talent=talent, name="Main twin").first()
        if twin is None:
            twin = twin_create(actor=user, talent=talent, name="Main twin")
        if not ReplicaAgreement.objects.filter(twin=twin).exists():
            agreement = agreement_sign(
                actor=user,
                twin=twin,
                scope="E-commerce, social and campaign imagery",
                purpose="Fashion campaigns of brands the talent licenses",
                pay_basis="Flat fee per market and month, plus a fee per published asset",
                starts_on=demo_term(timezone.localdate(), past=True)["starts_on"],
                ends_on=None,
                text_version="2026-01",
            )
            # The agency checks the passport where it may act for the talent; else studio staff.
            booker = AgencyMember.objects.filter(agency__slug=agency_slug).first()
            verifier = booker.user if booker and may_act else staff
            agreement_identity_verify(
                actor=verifier, agreement=agreement, method="Passport checked at the capture day"
            )
        look = twin_demo.look_for(index)
        for pose, (angle, framing, lighting) in enumerate(twin_demo.CAPTURE_SET):
            if CapturePhoto.objects.filter(
                twin=twin, angle=angle, framing=framing, lighting=lighting
            ).exists():
                continue
            drawn = twin_demo.draw_capture_photo(look, angle, framing, lighting, pose)
            photo = capture_photo_add(
                actor=user,
                twin=twin,
                upload=io.BytesIO(drawn),
                angle=angle,
                framing=framing,
                lighting=lighting,
            )
            capture_photo_check(photo_id=photo.pk)  # the worker's task then finds it done

    def _version(self, talent: Talent) -> None:
        twin = Twin.objects.get(talent=talent, name="Main twin")
        if twin.versions.exists():
            return
        version = twin_version_train(actor=talent.user, twin=twin)
        twin_version_run(version_id=version.pk, worker="seed_demo")  # the queued task no-ops
        self.created.append(f"twin version {twin}")

    def _terms_and_licenses(self) -> None:
        for login, rules in STANDING_TERMS.items():
            talent = Talent.objects.get(user__username=login)
            if not StandingTerms.objects.filter(talent=talent).exists():
                standing_terms_update(
                    actor=talent.user,
                    talent=talent,
                    excluded_categories=rules.get("categories", []),
                    excluded_content_tags=rules.get("tags", []),
                    blocked_brands=list(Brand.objects.filter(slug__in=rules.get("blocked", []))),
                    agency_needs_confirmation=bool(rules.get("confirm", False)),
                )
        for key, (brand_slug, login, state, spec) in DEMO_LICENSES.items():
            twin = Twin.objects.get(talent__user__username=login, name="Main twin")
            note = f"Demo license {key}"
            if License.objects.filter(twin=twin, note=note).exists():
                continue
            terms = {
                **demo_term(timezone.localdate(), past=state == "expired"),
                **{k: v for k, v in spec.items() if k != "against"},
            }
            director = actor_for(self._user(f"{brand_slug}-director"), brand_slug)
            against = list(Brand.objects.filter(slug__in=spec.get("against", [])))
            license = license_request(
                actor=director,
                twin=twin,
                terms=Terms(note=note, exclusive_against=against, **terms),
            )
            talent_user = twin.talent.user
            if state in ("active", "expired", "revoked"):
                license_accept(actor=talent_user, license=license)
            elif state == "countered":
                license_counter(
                    actor=talent_user,
                    license=license,
                    terms=Terms(**{**terms, "flat_fee": terms["flat_fee"] * 2, "note": note}),
                )
            elif state == "declined":
                license_decline(
                    actor=talent_user, license=license, reason="Not with this collection"
                )
            if state == "revoked":
                license_revoke(
                    actor=talent_user,
                    license=license,
                    reason="The campaign moved into content I exclude",
                )
            self.created.append(f"license {key}")
        license_expire_due(today=timezone.localdate())
        published = License.objects.get(note="Demo license aurel-ines")
        for n, days_ago in enumerate((140, 75, 10)):
            usage_record(
                license=published,
                asset_ref=f"demo-asset-{n + 1}",
                channel="instagram",
                markets=["FR", "DE"][: n % 2 + 1],
                used_on=timezone.localdate() - timedelta(days=days_ago),
            )

    def _report(self) -> None:
        if self.created:
            self.stdout.write(f"Created {len(self.created)} demo objects.")
        else:
            self.stdout.write("The demo data is in place already; nothing changed.")
        self.stdout.write(f"\nDemo logins (password for all: {PASSWORD}):")
        rows = [("admin", "studio staff (Django admin at /admin/)")]
        for name, members in BRANDS.values():
            rows += [
                (login, f"{Role(role).label}, {name}")
                for login, role in members.items()
                if login != "freelance-stylist"
            ]
        rows.append(("freelance-stylist", "Stylist in both brands (switch at the top)"))
        rows += [(booker, f"agency staff, {name}") for name, booker in AGENCIES.values()]
        rows += [(login, f"talent, {display}") for login, display, *_ in TALENT]
        width = max(len(login) for login, _ in rows)
        for login, what in rows:
            self.stdout.write(f"  {login.ljust(width)}  {what}")
