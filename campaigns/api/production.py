"""API of production: campaigns, scenes, the shot matrix (plan, queue a batch), shots, render
jobs (list, cancel, retry, re-render; cancel a batch or a campaign), renders, the render farm."""

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from campaigns import selectors, services
from campaigns.enums import (
    GPU_BUDGET_MAX_SECONDS,
    PRIORITY_NAMES,
    CampaignStatus,
    JobState,
    Priority,
    SceneKind,
)
from campaigns.keys import render_outdated
from campaigns.models import Campaign, Render, RenderJob, Scene, Shot
from campaigns.poses import KEYPOINT_NAMES, POSES, Pose
from campaigns.rendering.base import FORMATS
from studio.api.fields import IdField, Input, free_form, search_filter, strings
from studio.api.views import ChoiceFilter, NoFilters, api_actor, query_filters
from studio.enums import Perm
from studio.errors import TEXT_MAX
from twins.enums import Channel, ContentTag


class PriorityField(serializers.ChoiceField):
    """A job's priority by its name, in and out: "rush", "normal" or "background"."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(PRIORITY_NAMES, **kwargs)

    def to_internal_value(self, data: Any) -> Any:  # a Priority
        return Priority[super().to_internal_value(data).upper()]

    def to_representation(self, value: Any) -> str:
        return Priority(value).label.lower()


def _campaign(request: Request, pk: int) -> Campaign:
    return get_object_or_404(selectors.campaign_list(actor=api_actor(request)), pk=pk)


# --- Campaigns ------------------------------------------------------------------------------------
class CampaignOutputSerializer(serializers.ModelSerializer[Campaign]):
    owner = serializers.CharField(source="owner.username", read_only=True)
    markets = strings(help_text="ISO 3166-1 alpha-2 country codes.")
    channels = strings(Channel.choices)
    content_tags = strings(ContentTag.choices, help_text="What the content is about.")
    cover_url = serializers.SerializerMethodField(
        help_text="The thumbnail of its newest shortlisted render, else of its newest render."
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "brief",
            "status",
            "starts_on",
            "ends_on",
            "markets",
            "channels",
            "content_tags",
            "backend",
            "gpu_budget_seconds",
            "owner",
            "cover_url",
            "created_at",
            "updated_at",
        ]

    def get_cover_url(self, campaign: Campaign) -> str | None:
        cover = getattr(campaign, "cover", None)  # a campaign just created has none
        return reverse("render-thumb", args=[cover]) if cover else None


class CampaignInputSerializer(Input):
    class Meta:
        ref_name = "CampaignInput"

    name = serializers.CharField(max_length=200)
    brief = serializers.CharField(required=False, allow_blank=True, default="", max_length=TEXT_MAX)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    markets = serializers.ListField(
        child=serializers.CharField(max_length=2),
        min_length=1,
        help_text="ISO 3166-1 alpha-2 country codes, such as DE, FR, GB, US",
    )
    channels = serializers.ListField(child=serializers.ChoiceField(Channel.choices), min_length=1)
    content_tags = serializers.ListField(
        child=serializers.ChoiceField(ContentTag.choices), required=False, default=list
    )
    gpu_budget_seconds = serializers.IntegerField(
        min_value=0, max_value=GPU_BUDGET_MAX_SECONDS, default=3600
    )
    backend = serializers.CharField(required=False, allow_blank=True, default="")
    owner = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Username of a creative director or brand admin of the brand; none keeps the "
        "owner (on create: you).",
    )

    def campaign_input(self) -> services.CampaignInput:
        return services.CampaignInput(**self.validated_data)


class CampaignListApi(ListAPIView[Campaign]):
    """The brand's campaigns; POST starts one (creative directors, brand admins)."""

    serializer_class = CampaignOutputSerializer

    class Filters(serializers.Serializer[object]):
        status = ChoiceFilter(CampaignStatus.choices)
        q = search_filter("Search in the name and the brief, case and accents aside")
        owner = serializers.CharField(
            required=False, max_length=150, help_text="The owner's username."
        )

    def get_queryset(self) -> QuerySet[Campaign]:
        filters = query_filters(self.Filters, self.request)
        return selectors.campaign_list(
            actor=api_actor(self.request),
            status=filters.get("status", ""),
            search=filters.get("q", ""),
            owner=filters.get("owner", ""),
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)

    @extend_schema(request=CampaignInputSerializer, responses={201: CampaignOutputSerializer})
    def post(self, request: Request) -> Response:
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_create(actor=api_actor(request), data=data.campaign_input())
        return Response(CampaignOutputSerializer(campaign).data, status=201)


class GpuUseSerializer(serializers.Serializer[object]):
    class Meta:
        ref_name = "GpuUse"

    budget = serializers.IntegerField(help_text="GPU seconds the campaign may use.")
    spent = serializers.FloatField(
        help_text="GPU seconds its jobs took, those that failed or were cancelled mid-way too."
    )
    held = serializers.FloatField(help_text="Estimated for its queued and running renders.")
    left = serializers.FloatField()
    per_render = serializers.FloatField(help_text="The estimate per render.")


class BoardCountsSerializer(serializers.Serializer[object]):
    class Meta:
        ref_name = "BoardCounts"

    failed = serializers.IntegerField(help_text="Shots whose latest render failed.")
    shortlisted = serializers.IntegerField(help_text="Shots whose latest render is shortlisted.")


class CampaignDetailSerializer(CampaignOutputSerializer):
    """A campaign with what its board shows beside it (handed over in the context)."""

    gpu = serializers.SerializerMethodField()
    shots = serializers.SerializerMethodField()

    class Meta(CampaignOutputSerializer.Meta):
        ref_name = "CampaignDetail"
        fields = [*CampaignOutputSerializer.Meta.fields, "gpu", "shots"]

    @extend_schema_field(GpuUseSerializer)
    def get_gpu(self, campaign: Campaign) -> Any:
        return GpuUseSerializer(self.context["gpu"]).data

    @extend_schema_field(BoardCountsSerializer)
    def get_shots(self, campaign: Campaign) -> Any:
        return self.context["shots"]


def _detail(request: Request, campaign: Campaign) -> Response:
    board = {
        "gpu": selectors.campaign_gpu_use(campaign),
        "shots": selectors.board_counts(actor=api_actor(request), campaign=campaign),
    }
    return Response(CampaignDetailSerializer(campaign, context=board).data)


class CampaignDetailApi(APIView):
    """A campaign, with the GPU time it used against its budget and how many of its shots
    failed or are shortlisted, as its board shows them."""

    @extend_schema(responses=CampaignDetailSerializer)
    def get(self, request: Request, pk: int) -> Response:
        return _detail(request, _campaign(request, pk))

    @extend_schema(request=CampaignInputSerializer, responses=CampaignDetailSerializer)
    def put(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_update(
            actor=api_actor(request), campaign=campaign, data=data.campaign_input()
        )
        return _detail(request, campaign)


class CampaignStatusApi(APIView):
    """Move the campaign to another status. Archiving it cancels its queued renders and asks its
    running ones to stop at their next step; an archived campaign renders nothing until it is a
    draft again."""

    class InputSerializer(Input):
        class Meta:
            ref_name = "CampaignStatusInput"

        status = serializers.ChoiceField(CampaignStatus.choices)

    @extend_schema(request=InputSerializer, responses=CampaignOutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = services.campaign_status_set(
            actor=api_actor(request), campaign=campaign, status=data.validated_data["status"]
        )
        return Response(CampaignOutputSerializer(campaign).data)


class CancelledSerializer(serializers.Serializer[object]):
    class Meta:
        ref_name = "CancelledJobs"

    queued = serializers.IntegerField(help_text="Queued jobs cancelled at once.")
    running = serializers.IntegerField(help_text="Running jobs asked to stop at their next step.")


class CampaignCancelApi(APIView):
    """Cancel every queued and running render of the campaign."""

    @extend_schema(request=None, responses=CancelledSerializer)
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        done = services.render_jobs_cancel(actor=api_actor(request), campaign_id=campaign.pk)
        return Response(CancelledSerializer(done).data)


class CampaignRetryFailedApi(APIView):
    """Render again, each with its seed, every shot whose latest render failed, as one batch;
    shots the license no longer allows stay failed. 409 when there is nothing to retry, when
    the licenses allow none of them, or over the GPU budget."""

    class OutputSerializer(serializers.Serializer[object]):
        batch = serializers.UUIDField()
        jobs = serializers.IntegerField()
        forbidden = serializers.IntegerField()

        class Meta:
            ref_name = "RetriedBatch"

    @extend_schema(request=None, responses={201: OutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        done = services.render_jobs_retry_failed(actor=api_actor(request), campaign=campaign)
        return Response(self.OutputSerializer(done).data, status=201)


class CampaignChangedAgainApi(APIView):
    """Render again, each with its seed, every shot whose latest render shows its look or scene
    as it was before a change (``look_changed``), as one batch; shots the license no longer
    allows keep their render. 409 when no render is of a changed look or scene, when the
    licenses allow none of them, or over the GPU budget."""

    @extend_schema(request=None, responses={201: CampaignRetryFailedApi.OutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        done = services.render_jobs_changed_again(actor=api_actor(request), campaign=campaign)
        return Response(CampaignRetryFailedApi.OutputSerializer(done).data, status=201)


class BatchSerializer(serializers.Serializer[object]):
    class Meta:
        ref_name = "BatchProgress"

    batch = serializers.UUIDField()
    queued_at = serializers.DateTimeField()
    queued_by = serializers.CharField(source="created_by__username", allow_null=True)
    jobs = serializers.IntegerField()
    queued = serializers.IntegerField()
    running = serializers.IntegerField()
    succeeded = serializers.IntegerField()
    failed = serializers.IntegerField()
    cancelled = serializers.IntegerField()
    gpu_seconds = serializers.FloatField(help_text="GPU time its finished jobs used.")


class CampaignBatchListApi(ListAPIView[Any]):
    """The campaign's batches (the jobs queued together), newest first, with how many jobs of
    each are in each state: the progress of what was queued."""

    serializer_class = BatchSerializer

    def get_queryset(self) -> QuerySet[Any]:
        query_filters(NoFilters, self.request)
        campaign = _campaign(self.request, self.kwargs["pk"])
        return selectors.campaign_batches(actor=api_actor(self.request), campaign=campaign)


class BatchPriorityApi(APIView):
    """Give what is still queued of a batch another priority, and send it again at it (rush
    the hero shots, say); answers how many jobs changed."""

    class InputSerializer(Input):
        class Meta:
            ref_name = "BatchPriorityInput"

        priority = PriorityField()

    class OutputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "BatchPriorityOutput"

        jobs = serializers.IntegerField()

    @extend_schema(request=InputSerializer, responses=OutputSerializer)
    def post(self, request: Request, pk: int, batch: UUID) -> Response:
        campaign = _campaign(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        jobs = services.render_batch_prioritize(
            actor=api_actor(request),
            campaign=campaign,
            batch=batch,
            priority=data.validated_data["priority"],
        )
        return Response({"jobs": jobs})


class BatchCancelApi(APIView):
    """Cancel every queued and running job of a batch (the jobs queued together)."""

    @extend_schema(request=None, responses=CancelledSerializer)
    def post(self, request: Request, batch: UUID) -> Response:
        done = services.render_jobs_cancel(actor=api_actor(request), batch=batch)
        return Response(CancelledSerializer(done).data)


# --- Scenes ---------------------------------------------------------------------------------------
class SceneOutputSerializer(serializers.ModelSerializer[Scene]):
    image_url = serializers.SerializerMethodField()
    shot_count = serializers.SerializerMethodField(
        help_text="Shots of the matrix that use the scene; while any do, it cannot be removed."
    )

    class Meta:
        model = Scene
        fields = ["id", "name", "kind", "value", "image_url", "shot_count"]

    def get_shot_count(self, scene: Scene) -> int:
        return getattr(scene, "shot_count", 0)  # a scene just added is in no shot

    def get_image_url(self, scene: Scene) -> str | None:
        return reverse("scene-file", args=[scene.pk]) if scene.image else None


class SceneListApi(ListAPIView[Scene]):
    """A campaign's scenes; POST adds one (a colour, a prompt, or an image as multipart)."""

    serializer_class = SceneOutputSerializer
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    pagination_class = None

    class InputSerializer(Input):
        class Meta:
            ref_name = "SceneInput"

        name = serializers.CharField(max_length=120)
        kind = serializers.ChoiceField(SceneKind.choices)
        value = serializers.CharField(required=False, allow_blank=True, default="")
        image = serializers.FileField(required=False)

    def get_queryset(self) -> QuerySet[Scene]:
        query_filters(NoFilters, self.request)
        return selectors.scene_list(campaign=_campaign(self.request, self.kwargs["pk"]))

    @extend_schema(request=InputSerializer, responses={201: SceneOutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scene = services.scene_add(
            actor=api_actor(request), campaign=campaign, **data.validated_data
        )
        return Response(SceneOutputSerializer(scene).data, status=201)


class SceneDetailApi(APIView):
    """PATCH renames a scene or changes its colour, prompt or image (multipart; its kind stays):
    the renders its shots made before show it as it was and say so (``look_changed``). DELETE
    takes a scene out of the campaign; 409 while shots of the matrix use it."""

    parser_classes = [MultiPartParser, FormParser, JSONParser]

    class InputSerializer(Input):
        class Meta:
            ref_name = "SceneChange"

        name = serializers.CharField(max_length=120, required=False)
        value = serializers.CharField(
            max_length=500, required=False, help_text="A colour scene's #rrggbb, or a prompt."
        )
        image = serializers.FileField(required=False, help_text="An image scene's new image.")

    @extend_schema(request=InputSerializer, responses=SceneOutputSerializer)
    def patch(self, request: Request, pk: int, scene: int) -> Response:
        campaign = _campaign(request, pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.scene_update(
            actor=api_actor(request), campaign=campaign, scene_id=scene, **data.validated_data
        )
        changed = selectors.scene_list(campaign=campaign).get(pk=scene)
        return Response(SceneOutputSerializer(changed).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request, pk: int, scene: int) -> Response:
        campaign = _campaign(request, pk)
        services.scene_remove(actor=api_actor(request), campaign=campaign, scene_id=scene)
        return Response(status=204)


# --- The shot matrix ------------------------------------------------------------------------------
class MatrixInputSerializer(Input):
    class Meta:
        ref_name = "MatrixInput"

    looks = serializers.ListField(child=IdField(), min_length=1)
    twins = serializers.ListField(child=IdField(), min_length=1)
    poses = serializers.ListField(child=serializers.ChoiceField(list(POSES)), min_length=1)
    scenes = serializers.ListField(child=IdField(), min_length=1)
    formats = serializers.ListField(child=serializers.ChoiceField(list(FORMATS)), min_length=1)
    variants = serializers.IntegerField(min_value=1, max_value=20, default=1)
    priority = PriorityField(default=Priority.NORMAL)

    def spec(self) -> services.MatrixSpec:
        data = self.validated_data
        return services.MatrixSpec(
            looks=tuple(data["looks"]),
            twins=tuple(data["twins"]),
            poses=tuple(data["poses"]),
            scenes=tuple(data["scenes"]),
            formats=tuple(data["formats"]),
            variants=data["variants"],
            priority=data["priority"],
        )


class ForbiddenSerializer(serializers.Serializer[object]):
    class Meta:
        ref_name = "ForbiddenShots"

    look = serializers.IntegerField(source="look.pk")
    twin = serializers.IntegerField(source="twin.pk")
    pose = serializers.CharField(help_text="Empty: every pose.")
    reasons = serializers.ListField(child=serializers.CharField())


class MatrixPlanApi(APIView):
    """What queueing this matrix would do: renders, GPU time against the budget, and every part
    the license or the talent's terms forbid, with the reasons. Changes nothing."""

    class OutputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "MatrixPlan"

        renders = serializers.IntegerField()
        already = serializers.IntegerField(help_text="Shots in the matrix already.")
        seconds_per_render = serializers.FloatField()
        estimate_seconds = serializers.FloatField()
        budget_left = serializers.FloatField()
        over_budget = serializers.BooleanField()
        forbidden = ForbiddenSerializer(many=True)
        warnings = serializers.ListField(
            child=serializers.CharField(),
            help_text="What to know before queueing, queued all the same: shots allowed today "
            "that would not be on the campaign's last day (a license that ends first, say), and "
            "scenes the campaign's backend does not draw.",
        )

    @extend_schema(request=MatrixInputSerializer, responses=OutputSerializer)
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        data = MatrixInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = services.matrix_plan(actor=api_actor(request), campaign=campaign, spec=data.spec())
        return Response(self.OutputSerializer(plan).data)


class MatrixQueueApi(APIView):
    """Queue a batch: one render job per allowed shot of the matrix not in it already."""

    class OutputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "QueuedBatch"

        batch = serializers.UUIDField()
        jobs = serializers.IntegerField()
        already = serializers.IntegerField()
        forbidden = ForbiddenSerializer(many=True)

    @extend_schema(request=MatrixInputSerializer, responses={201: OutputSerializer})
    def post(self, request: Request, pk: int) -> Response:
        campaign = _campaign(request, pk)
        data = MatrixInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        batch = services.matrix_queue(actor=api_actor(request), campaign=campaign, spec=data.spec())
        return Response(self.OutputSerializer(batch).data, status=201)


# --- Shots, jobs, renders -------------------------------------------------------------------------
class RenderOutputSerializer(serializers.ModelSerializer[Render]):
    image_url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    shortlisted = serializers.SerializerMethodField()
    meta = free_form(help_text="What the backend recorded of the render.")
    look_changed = serializers.SerializerMethodField(
        help_text="It shows the look or scene as it was: a garment, a cut-out, a name or the"
        " scene changed after it rendered (retrying its job renders it again with its seed)."
    )

    class Meta:
        model = Render
        fields = [
            "id",
            "job",
            "width",
            "height",
            "sha256",
            "meta",
            "image_url",
            "thumbnail_url",
            "shortlisted",
            "shortlisted_at",
            "created_at",
            "look_changed",
        ]

    def get_image_url(self, render: Render) -> str:
        return reverse("render-file", args=[render.pk])

    def get_thumbnail_url(self, render: Render) -> str | None:
        return reverse("render-thumb", args=[render.pk]) if render.thumbnail else None

    def get_shortlisted(self, render: Render) -> bool:
        return render.shortlisted_at is not None

    def get_look_changed(self, render: Render) -> bool:
        return render_outdated(render.job)


class JobOutputSerializer(serializers.ModelSerializer[RenderJob]):
    priority = PriorityField(read_only=True)
    render = serializers.SerializerMethodField()
    params = free_form(help_text="The backend's parameters of the render.")
    look_changed = serializers.SerializerMethodField(
        help_text="Its render shows the look or scene as it was (see the render's look_changed)."
    )

    class Meta:
        model = RenderJob
        fields = [
            "id",
            "campaign",
            "shot",
            "batch",
            "state",
            "priority",
            "backend",
            "version",
            "seed",
            "params",
            "idempotency_key",
            "progress_step",
            "progress_total",
            "attempts",
            "worker",
            "gpu",
            "error",
            "cancel_requested_at",
            "queued_at",
            "started_at",
            "finished_at",
            "gpu_seconds",
            "render",
            "look_changed",
        ]
        extra_kwargs = {
            "error": {
                "help_text": "Why it failed; for a job cancelled or stopping, why it was stopped"
                " (a talent's revocation, say: empty for a plain cancel); for a queued job, why"
                " its last attempt could not start."
            },
            "idempotency_key": {
                "help_text": "A hash of everything the render depends on, recomputed when a"
                " worker takes the job: jobs with the same key reuse one render."
            },
        }

    @extend_schema_field(RenderOutputSerializer(allow_null=True))
    def get_render(self, job: RenderJob) -> dict[str, Any] | None:
        render = getattr(job, "render", None)
        return RenderOutputSerializer(render).data if render else None

    def get_look_changed(self, job: RenderJob) -> bool:
        return render_outdated(job)


class ShotOutputSerializer(serializers.ModelSerializer[Shot]):
    state = serializers.CharField(allow_null=True, help_text="Its latest job's state.")
    latest_job = serializers.SerializerMethodField()

    class Meta:
        model = Shot
        fields = [
            "id",
            "look",
            "twin",
            "version",
            "pose",
            "scene",
            "format",
            "variant",
            "state",
            "latest_job",
        ]

    @extend_schema_field(JobOutputSerializer(allow_null=True))
    def get_latest_job(self, shot: Shot) -> dict[str, Any] | None:
        jobs = shot.job_list  # type: ignore[attr-defined]
        return JobOutputSerializer(jobs[0]).data if jobs else None


class ShotListApi(ListAPIView[Shot]):
    """A campaign's shots with their latest job and render (the board's data)."""

    serializer_class = ShotOutputSerializer

    class Filters(serializers.Serializer[object]):
        look = IdField(required=False)
        twin = IdField(required=False)
        pose = ChoiceFilter(list(POSES))
        scene = IdField(required=False)
        aspect = ChoiceFilter(
            list(FORMATS),
            help_text="The shot's format (`format` is the API's own output parameter)",
        )
        state = ChoiceFilter(JobState.choices)
        shortlisted = serializers.BooleanField(
            required=False, help_text="Only shots whose latest render is shortlisted"
        )

    def get_queryset(self) -> QuerySet[Shot]:
        campaign = _campaign(self.request, self.kwargs["pk"])
        filters = query_filters(self.Filters, self.request)
        return selectors.shot_board(
            actor=api_actor(self.request),
            campaign=campaign,
            look=filters.get("look"),
            twin=filters.get("twin"),
            state=filters.get("state", ""),
            shortlisted=filters.get("shortlisted", False),
            pose=filters.get("pose", ""),
            scene=filters.get("scene"),
            format=filters.get("aspect", ""),
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request, pk: int) -> Response:
        return super().get(request, pk)


class JobListApi(ListAPIView[RenderJob]):
    """The brand's render jobs, newest first."""

    serializer_class = JobOutputSerializer

    class Filters(serializers.Serializer[object]):
        campaign = IdField(required=False)
        shot = IdField(required=False, help_text="A shot's jobs: its renders, seed by seed")
        state = ChoiceFilter(JobState.choices)
        batch = serializers.UUIDField(required=False, help_text="A batch id")

    def get_queryset(self) -> QuerySet[RenderJob]:
        filters = query_filters(self.Filters, self.request)
        return selectors.job_list(
            actor=api_actor(self.request),
            campaign=filters.get("campaign"),
            shot=filters.get("shot"),
            state=filters.get("state", ""),
            batch=str(filters.get("batch") or ""),
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)


class JobDetailApi(RetrieveAPIView[RenderJob]):
    serializer_class = JobOutputSerializer

    def get_queryset(self) -> QuerySet[RenderJob]:
        return selectors.job_list(actor=api_actor(self.request))


class _JobActionApi(APIView):
    action_name = ""
    status_code = 200

    def post(self, request: Request, pk: UUID) -> Response:
        actor = api_actor(request)
        job = get_object_or_404(selectors.job_list(actor=actor), pk=pk)
        result = getattr(services, self.action_name)(actor=actor, job=job)
        return Response(JobOutputSerializer(result).data, status=self.status_code)


@extend_schema(request=None, responses=JobOutputSerializer)
class JobCancelApi(_JobActionApi):
    """Cancel a queued job at once, or ask a running one to stop at its next step."""

    action_name = "render_job_cancel"


@extend_schema(request=None, responses={201: JobOutputSerializer})
class JobRetryApi(_JobActionApi):
    """Queue the job's shot again with the same seed (a new job): a failed or cancelled job, or
    a succeeded one whose render shows its look as it was before a change (409
    otherwise: a new seed makes another picture)."""

    action_name = "render_job_retry"
    status_code = 201


@extend_schema(request=None, responses={201: JobOutputSerializer})
class JobRerenderApi(_JobActionApi):
    """Queue the job's shot again with a new seed (a new job)."""

    action_name = "render_job_rerender"
    status_code = 201


class RenderListApi(ListAPIView[Render]):
    serializer_class = RenderOutputSerializer

    class Filters(serializers.Serializer[object]):
        campaign = IdField(required=False)
        shortlisted = serializers.BooleanField(required=False)

    def get_queryset(self) -> QuerySet[Render]:
        filters = query_filters(self.Filters, self.request)
        return selectors.render_list(
            actor=api_actor(self.request),
            campaign=filters.get("campaign"),
            shortlisted=filters.get("shortlisted", False),
            listed=True,
        )

    @extend_schema(parameters=[Filters])
    def get(self, request: Request) -> Response:
        return super().get(request)


class RenderShortlistApi(APIView):
    """PUT shortlists a render; DELETE takes it off the shortlist."""

    def _set(self, request: Request, pk: int, on: bool) -> Response:
        actor = api_actor(request)
        render = get_object_or_404(selectors.render_list(actor=actor), pk=pk)
        render = services.render_shortlist(actor=actor, render=render, shortlisted=on)
        return Response(RenderOutputSerializer(render).data)

    @extend_schema(request=None, responses=RenderOutputSerializer)
    def put(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, True)

    @extend_schema(request=None, responses={200: RenderOutputSerializer})
    def delete(self, request: Request, pk: int) -> Response:
        return self._set(request, pk, False)


class PoseListApi(APIView):
    """The preset pose library the shot matrix draws on: each pose's name (what a matrix asks
    for), label, the capture angle the preview starts from, and its body keypoints (COCO-18, in
    fractions of the frame, as pose-conditioned backends take them)."""

    class OutputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "Pose"

        name = serializers.CharField()
        label = serializers.CharField()  # type: ignore[assignment]  # a field, not the label
        angle = serializers.CharField()
        keypoints = serializers.SerializerMethodField()

        @extend_schema_field(serializers.DictField(child=serializers.ListField()))
        def get_keypoints(self, pose: Pose) -> dict[str, list[float]]:
            points = zip(KEYPOINT_NAMES, pose.keypoints, strict=True)
            return {name: list(point) for name, point in points}

    @extend_schema(responses=OutputSerializer(many=True))
    def get(self, request: Request) -> Response:
        return Response(self.OutputSerializer(POSES.values(), many=True).data)


class FarmWorkerSerializer(serializers.Serializer[object]):
    hostname = serializers.CharField()
    alive = serializers.BooleanField(help_text="Heard from within the heartbeat's limit.")
    queues = strings()
    gpu_name = serializers.CharField(help_text="Empty where torch sees no GPU.")
    gpu_memory_mb = serializers.IntegerField(allow_null=True)
    backends = strings(help_text="Backends loaded and warm.")
    last_seen_at = serializers.DateTimeField()
    jobs = serializers.ListField(child=serializers.UUIDField(), help_text="The brand's own.")
    busy = serializers.BooleanField(help_text="Running a job, the brand's or another's.")

    class Meta:
        ref_name = "FarmWorker"


class FarmApi(APIView):
    """Workers, the broker's queue depths, and the brand's own queued and running renders."""

    class OutputSerializer(serializers.Serializer[object]):
        class Meta:
            ref_name = "RenderFarm"

        workers = FarmWorkerSerializer(many=True)
        depths = serializers.DictField(
            child=serializers.DictField(child=serializers.IntegerField()),
            help_text="Messages waiting on the broker: queue → priority step → count (render"
            " jobs carry theirs: 0 rush, 3 normal, 6 background, on a broker that keeps them"
            " apart).",
        )
        queued = serializers.DictField(
            child=serializers.IntegerField(),
            help_text="The brand's queued render jobs per priority: rush, normal, background.",
        )
        running = JobOutputSerializer(many=True)
        done_today = serializers.IntegerField()
        failed_today = serializers.IntegerField()
        gpu_seconds_today = serializers.FloatField()

    @extend_schema(responses=OutputSerializer)
    def get(self, request: Request) -> Response:
        actor = api_actor(request)
        if not actor.has(Perm.MANAGE_CAMPAIGNS):
            return Response({"detail": "Your role does not see the render farm."}, status=403)
        farm = selectors.render_farm(actor=actor)
        data = {
            "workers": [
                {
                    "hostname": row.worker.hostname,
                    "alive": row.alive,
                    "queues": row.worker.queues,
                    "gpu_name": row.worker.gpu_name,
                    "gpu_memory_mb": row.worker.gpu_memory_mb,
                    "backends": row.worker.backends,
                    "last_seen_at": row.worker.last_seen_at,
                    "jobs": [str(job.pk) for job in row.jobs],
                    "busy": bool(row.jobs) or row.busy_elsewhere > 0,
                }
                for row in farm.workers
            ],
            "depths": {q: {str(k): v for k, v in d.items()} for q, d in farm.depths.items()},
            "queued": {label.lower(): n for label, n in farm.queued},
            "running": farm.running,
            "done_today": farm.done_today,
            "failed_today": farm.failed_today,
            "gpu_seconds_today": farm.gpu_seconds_today,
        }
        return Response(self.OutputSerializer(data).data)
