from django.db import models


class Angle(models.TextChoices):
    FRONT = "front", "Front"
    THREE_QUARTER_LEFT = "three_quarter_left", "Three-quarter left"
    THREE_QUARTER_RIGHT = "three_quarter_right", "Three-quarter right"
    PROFILE_LEFT = "profile_left", "Profile left"
    PROFILE_RIGHT = "profile_right", "Profile right"
    BACK = "back", "Back"


class Framing(models.TextChoices):
    FULL_BODY = "full_body", "Full body"
    HALF = "half", "Half body"
    FACE = "face", "Face"


class Lighting(models.TextChoices):
    STUDIO = "studio", "Studio"
    DAYLIGHT = "daylight", "Daylight"
    LOW_KEY = "low_key", "Low key"
    HIGH_KEY = "high_key", "High key"


class Channel(models.TextChoices):
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    YOUTUBE = "youtube", "YouTube"
    WEB = "web", "Web"
    PRINT = "print", "Print"
    OUT_OF_HOME = "out_of_home", "Out of home"


class ContentTag(models.TextChoices):
    ALCOHOL = "alcohol", "Alcohol"
    TOBACCO = "tobacco", "Tobacco"
    POLITICAL = "political", "Political"
    GAMBLING = "gambling", "Gambling"
    FUR = "fur", "Fur"
    RELIGION = "religion", "Religion"


class LicenseStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"  # the brand proposed; the talent decides
    COUNTERED = "countered", "Countered"  # the talent proposed other terms; the brand decides
    ACTIVE = "active", "Active"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    REVOKED = "revoked", "Revoked"


class Exclusivity(models.TextChoices):
    NONE = "none", "Not exclusive"
    CATEGORY = "category", "Exclusive in its categories against named competitors"


class UsageKind(models.TextChoices):
    FLAT = "flat", "Flat fee"
    ASSET = "asset", "Published asset"


class CheckCode(models.TextChoices):
    """Why license_check refuses. Every refusal names one or more of these."""

    NO_AGREEMENT = "no_agreement", "The talent's replica agreement is not in force"
    CONSENT_REVOKED = "consent_revoked", "The talent revoked consent for this twin"
    BRAND_BLOCKED = "brand_blocked", "The talent does not work with this brand"
    CATEGORY_EXCLUDED = "category_excluded", "The talent excludes this garment category"
    CONTENT_EXCLUDED = "content_excluded", "The talent excludes this kind of content"
    NO_LICENSE = "no_license", "No active license for this twin and brand"
    NOT_IN_TERM = "not_in_term", "The date is outside the license term"
    CHANNEL = "channel", "The channel is not licensed"
    MARKET = "market", "The market is not licensed"
    CATEGORY = "category", "The garment category is not licensed"
    ASSET_CAP = "asset_cap", "The license's maximum of published assets is reached"


class CheckStatus(models.TextChoices):
    PENDING = "pending", "Being checked"
    PASSED = "passed", "Passed"
    FAILED = "failed", "Failed"


class TrainingStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Training"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"
