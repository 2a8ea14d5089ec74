import io
from datetime import date, timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from PIL import Image

from campaigns.models import Garment
from studio.enums import Role
from studio.models import Brand, Membership
from twins.models import (
    Agency,
    AgencyMember,
    CapturePhoto,
    License,
    ReplicaAgreement,
    Representation,
    Talent,
    Twin,
)

TEST_PASSWORD = "pass-for-tests"


def png_bytes(
    size: tuple[int, int] = (64, 80),
    colour: tuple[int, ...] = (200, 40, 40, 255),
    mode: str = "RGBA",
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, colour).save(out, "PNG")
    return out.getvalue()


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password(TEST_PASSWORD)


class BrandFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Brand

    name = factory.Sequence(lambda n: f"Brand {n}")
    slug = factory.Sequence(lambda n: f"brand-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    brand = factory.SubFactory(BrandFactory)
    role = Role.BRAND_ADMIN


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency

    name = factory.Sequence(lambda n: f"Agency {n}")
    slug = factory.Sequence(lambda n: f"agency-{n}")


class AgencyMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AgencyMember

    agency = factory.SubFactory(AgencyFactory)
    user = factory.SubFactory(UserFactory)


class TalentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Talent

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"Talent {n}")


class RepresentationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Representation

    talent = factory.SubFactory(TalentFactory)
    agency = factory.SubFactory(AgencyFactory)
    started_on = date(2026, 1, 1)


class TwinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Twin

    talent = factory.SubFactory(TalentFactory)
    name = "Main twin"


class CapturePhotoFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CapturePhoto

    twin = factory.SubFactory(TwinFactory)
    image = factory.django.FileField(filename="photo.png", data=factory.LazyFunction(png_bytes))
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    width = 64
    height = 80
    angle = "front"
    framing = "full_body"
    lighting = "studio"


class GarmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Garment

    brand = factory.SubFactory(BrandFactory)
    sku = factory.Sequence(lambda n: f"SKU-{n:04d}")
    name = factory.Sequence(lambda n: f"Garment {n}")
    category = "top"
    cutout = factory.django.FileField(filename="cutout.png", data=factory.LazyFunction(png_bytes))


class ReplicaAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReplicaAgreement

    twin = factory.SubFactory(TwinFactory)
    scope = "E-commerce and social imagery"
    purpose = "Campaign renders"
    pay_basis = "Per-asset fee under each license"
    starts_on = date(2026, 1, 1)
    text_version = "v1"
    signed_by = factory.LazyAttribute(lambda o: o.twin.talent.user)
    signed_at = factory.LazyFunction(timezone.now)


class LicenseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = License

    twin = factory.SubFactory(TwinFactory)
    brand = factory.SubFactory(BrandFactory)
    status = "active"
    starts_on = date(2026, 1, 1)
    ends_on = date(2026, 12, 31)

    class Params:
        # In force today, whatever day the tests run (tests that name dates keep the fixed term).
        current = factory.Trait(
            starts_on=factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=365)),
            ends_on=factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365)),
        )

    markets = factory.LazyFunction(lambda: ["DE", "FR"])
    channels = factory.LazyFunction(lambda: ["instagram", "web"])
    categories = factory.LazyFunction(lambda: ["top", "bottom", "outerwear"])
    requested_by = factory.SubFactory(UserFactory)
