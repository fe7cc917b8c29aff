from django.urls import path

from kaifang.catalog import downloads, views_public
from kaifang.catalog import views_workspace as workspace

app_name = "catalog"
urlpatterns: list = []

# The public catalog pages.
urlpatterns += [
    path("datasets/", views_public.dataset_list, name="dataset-list"),
    path("datasets/<str:name>/", views_public.dataset_detail, name="dataset-detail"),
    path(
        "resources/<uuid:resource_id>/download", downloads.download_view, name="resource-download"
    ),
]

# The publisher's workspace and the reviewer's queue (signed-in pages).
urlpatterns += [
    path("workspace/", workspace.workspace, name="workspace"),
    path("workspace/datasets/new/", workspace.dataset_create, name="dataset-create"),
    path("workspace/datasets/<slug:name>/", workspace.dataset_detail, name="workspace-dataset"),
    path("workspace/datasets/<slug:name>/edit/", workspace.dataset_edit, name="dataset-edit"),
    path("workspace/datasets/<slug:name>/rename/", workspace.dataset_rename, name="dataset-rename"),
    path("workspace/datasets/<slug:name>/submit/", workspace.dataset_submit, name="dataset-submit"),
    path(
        "workspace/datasets/<slug:name>/withdraw/",
        workspace.dataset_withdraw,
        name="dataset-withdraw",
    ),
    path(
        "workspace/datasets/<slug:name>/resources/new/",
        workspace.resource_create,
        name="resource-create",
    ),
    path(
        "workspace/resources/<uuid:resource_id>/versions/new/",
        workspace.resource_version_create,
        name="resource-version-create",
    ),
    path(
        "workspace/revisions/<uuid:revision_id>/submit/",
        workspace.revision_submit,
        name="revision-submit",
    ),
    path("review/", workspace.review_queue, name="review-queue"),
    path("review/datasets/<slug:name>/", workspace.review_dataset, name="review-dataset"),
    path("review/datasets/<slug:name>/approve/", workspace.review_approve, name="review-approve"),
    path("review/datasets/<slug:name>/return/", workspace.review_return, name="review-return"),
    path(
        "review/datasets/<slug:name>/take-down/",
        workspace.dataset_take_down,
        name="dataset-take-down",
    ),
    path("review/revisions/<uuid:revision_id>/", workspace.review_revision, name="review-revision"),
    path(
        "review/revisions/<uuid:revision_id>/approve/",
        workspace.revision_approve,
        name="revision-approve",
    ),
    path(
        "review/revisions/<uuid:revision_id>/return/",
        workspace.revision_return,
        name="revision-return",
    ),
]
