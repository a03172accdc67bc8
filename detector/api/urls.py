"""/api/v1/ routes. Anything else under it is a JSON 404."""

from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from . import errors, report, views

app_name = "api"

router = SimpleRouter()
router.register("analyses", views.AnalysisViewSet, basename="analysis")

urlpatterns = [
    path("models/active/", views.ActiveModelView.as_view(), name="active-model"),
    path("analyses/<int:pk>/frames/<int:frame_id>/crop.jpg", views.AnalysisViewSet.as_view({"get": "crop"}),
         name="analysis-crop"),
    path("analyses/<int:pk>/frames/<int:frame_id>/heatmap.jpg", views.AnalysisViewSet.as_view({"get": "heatmap"}),
         name="analysis-heatmap"),
    *report.urlpatterns,
    *router.urls,
    re_path(r"^.*$", errors.not_found),
]
