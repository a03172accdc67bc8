from django.urls import path

app_name = "detector"
urlpatterns = []
