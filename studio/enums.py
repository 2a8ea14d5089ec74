from django.db import models


class Role(models.TextChoices):
    BRAND_ADMIN = "brand_admin", "Brand admin"
    CREATIVE_DIRECTOR = "creative_director", "Creative director"
    STYLIST = "stylist", "Stylist"
    SOCIAL_TEAM = "social_team", "Social team"


class Perm(models.TextChoices):
    """What a brand member may do. ROLE_PERMS below is the one place that grants them."""

    VIEW_BRAND = "brand.view", "See the brand's studio"
    MANAGE_MEMBERS = "brand.manage_members", "Manage members and roles"
    VIEW_AUDIT = "brand.view_audit", "Read the audit log"
    MANAGE_GARMENTS = "garments.manage", "Keep the garment catalogue"
    MANAGE_LOOKS = "looks.manage", "Build looks"
    MANAGE_CAMPAIGNS = "campaigns.manage", "Build campaigns and queue renders"
    REQUEST_LICENSES = "licenses.request", "Request licenses for twins"
    MANAGE_POSTS = "posts.manage", "Compose and schedule posts"
    MANAGE_SOCIAL_ACCOUNTS = "social.manage_accounts", "Connect social accounts"
    MANAGE_SIGNING = "brand.manage_signing", "Manage the signing certificate and label wording"


ROLE_PERMS: dict[str, frozenset[str]] = {
    Role.BRAND_ADMIN: frozenset(Perm.values),
    Role.CREATIVE_DIRECTOR: frozenset(
        {Perm.VIEW_BRAND, Perm.MANAGE_CAMPAIGNS, Perm.REQUEST_LICENSES, Perm.MANAGE_LOOKS}
    ),
    Role.STYLIST: frozenset({Perm.VIEW_BRAND, Perm.MANAGE_GARMENTS, Perm.MANAGE_LOOKS}),
    Role.SOCIAL_TEAM: frozenset({Perm.VIEW_BRAND, Perm.MANAGE_POSTS}),
}


class ErrorCode(models.TextChoices):
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    INVALID = "invalid"
    CONFLICT = "conflict"
    IMAGE_EMPTY = "image_empty"
    IMAGE_TOO_LARGE = "image_too_large"
    IMAGE_TOO_MANY_PIXELS = "image_too_many_pixels"
    IMAGE_TOO_SMALL = "image_too_small"
    IMAGE_UNSUPPORTED_TYPE = "image_unsupported_type"
    IMAGE_ANIMATED = "image_animated"
    IMAGE_CORRUPT = "image_corrupt"
    IMAGE_TRAILING_DATA = "image_trailing_data"
