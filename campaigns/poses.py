"""The preset pose library. A pose names the capture angle whose reference photo the preview
backend starts from, and the body keypoints (COCO-18 order, as OpenPose draws them, in
fractions of the frame) that pose-conditioned generative backends use."""

from dataclasses import dataclass

KEYPOINT_NAMES = (
    "nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist",
    "r_hip", "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear", "l_ear",
)  # fmt: skip


# The limbs OpenPose draws between COCO-18 keypoints (the face's eyes and ears left out).
LIMBS = (
    (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12),
    (12, 13), (1, 0),
)  # fmt: skip


@dataclass(frozen=True)
class Pose:
    name: str
    label: str
    angle: str  # twins.enums.Angle of the reference photo to start from
    keypoints: tuple[tuple[float, float], ...]

    def limbs(self, width: int = 80, height: int = 100) -> list[tuple[float, ...]]:
        """The skeleton as line segments (x1, y1, x2, y2) in a ``width`` × ``height`` frame,
        to draw the pose."""
        points = [(round(x * width, 1), round(y * height, 1)) for x, y in self.keypoints]
        return [(*points[a], *points[b]) for a, b in LIMBS]

    def head(self, width: int = 80, height: int = 100) -> tuple[float, float]:
        x, y = self.keypoints[0]
        return round(x * width, 1), round(y * height, 1)


def _pose(name: str, label: str, angle: str, *points: tuple[float, float]) -> Pose:
    assert len(points) == len(KEYPOINT_NAMES), name
    return Pose(name, label, angle, points)


POSES: dict[str, Pose] = {
    pose.name: pose
    for pose in (
        _pose(
            "standing-front", "Standing, front", "front",
            (.50, .10), (.50, .18), (.41, .19), (.38, .33), (.37, .46), (.59, .19), (.62, .33),
            (.63, .46), (.45, .50), (.45, .70), (.45, .90), (.55, .50), (.55, .70), (.55, .90),
            (.48, .09), (.52, .09), (.46, .10), (.54, .10),
        ),
        _pose(
            "hand-on-hip", "Hand on hip", "front",
            (.50, .10), (.50, .18), (.41, .19), (.33, .30), (.42, .45), (.59, .19), (.62, .33),
            (.63, .46), (.45, .50), (.44, .70), (.43, .90), (.55, .50), (.57, .70), (.58, .90),
            (.48, .09), (.52, .09), (.46, .10), (.54, .10),
        ),
        _pose(
            "walking-three-quarter", "Walking, three-quarter", "three_quarter_left",
            (.48, .10), (.49, .18), (.42, .19), (.40, .33), (.42, .46), (.56, .19), (.58, .33),
            (.56, .46), (.46, .50), (.42, .70), (.38, .90), (.54, .50), (.56, .70), (.60, .89),
            (.47, .09), (.50, .09), (.45, .10), (.52, .10),
        ),
        _pose(
            "profile", "Profile", "profile_left",
            (.45, .10), (.50, .18), (.50, .19), (.49, .33), (.50, .46), (.51, .19), (.52, .33),
            (.52, .46), (.50, .50), (.50, .70), (.50, .90), (.51, .50), (.51, .70), (.51, .90),
            (.46, .09), (.46, .09), (.49, .10), (.49, .10),
        ),
        _pose(
            "back", "From the back", "back",
            (.50, .10), (.50, .18), (.59, .19), (.62, .33), (.63, .46), (.41, .19), (.38, .33),
            (.37, .46), (.55, .50), (.55, .70), (.55, .90), (.45, .50), (.45, .70), (.45, .90),
            (.52, .09), (.48, .09), (.54, .10), (.46, .10),
        ),
    )
}  # fmt: skip
