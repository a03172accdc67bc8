from django.urls import path

from . import media_views, views

app_name = "detector"
urlpatterns = [
    path("", views.home, name="upload"),  # the landing page for visitors
    path("example/", views.example, name="example"),  # the generated example clip, in one click
    path("analyses/", views.history, name="history"),
    path("analyses/<int:analysis_id>/", views.result, name="result"),
    path("analyses/<int:analysis_id>/status.json", views.status, name="status"),
    path("analyses/<int:analysis_id>/retry/", views.retry, name="retry"),
    path("analyses/<int:analysis_id>/delete/", views.delete, name="delete"),
    path("analyses/<int:analysis_id>/report.<str:fmt>", views.report, name="report"),
    # Private media: owner and staff only (see media_views). MEDIA_ROOT itself is never routed.
    path("media/crops/<int:frame_id>.jpg", media_views.crop, name="crop"),
    path("media/heatmaps/<int:frame_id>.jpg", media_views.heatmap, name="heatmap"),
    path("media/videos/<int:video_id>", media_views.video, name="video"),
]
