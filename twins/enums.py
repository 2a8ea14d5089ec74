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
