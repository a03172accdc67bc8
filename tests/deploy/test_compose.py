"""docker-compose.yml cannot run here (no Docker engine); check it agrees with the settings instead."""

from pathlib import Path

import yaml

from deepfake_site import env

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
SETTINGS = Path(env.__file__).with_name("settings.py").read_text()


def load():
    return yaml.safe_load(COMPOSE.read_text())


def test_it_defines_the_whole_stack():
    assert set(load()["services"]) == {"postgres", "redis", "nginx", "web", "worker", "beat"}


def test_every_service_has_a_health_check():
    for name, service in load()["services"].items():
        assert "healthcheck" in service, name


def test_app_services_point_at_the_compose_database_and_broker():
    services = load()["services"]
    for name in ("web", "worker", "beat"):
        environment = services[name]["environment"]
        assert environment["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:6379")


def test_every_app_variable_is_one_the_settings_read():
    environment = load()["services"]["worker"]["environment"]
    for name in environment:
        assert f'"{name}"' in SETTINGS, f"{name} is set in compose but never read by settings.py"


def test_the_gpu_worker_runs_several_analyses_in_threads_that_share_batches():
    worker = load()["services"]["worker"]
    # The pool and concurrency come from the settings (a --concurrency flag would override them).
    assert "-Q analysis,default" in worker["command"] and "--concurrency" not in worker["command"]
    assert worker["environment"]["DEEPTRACE_WORKER_POOL"] == "threads"
    assert worker["environment"]["DEEPTRACE_WORKER_CONCURRENCY"].startswith("${DEEPTRACE_WORKER_CONCURRENCY:-")
    assert worker["environment"]["DEEPTRACE_ANALYSIS_QUEUE"] == "analysis"
    device = worker["deploy"]["resources"]["reservations"]["devices"][0]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]


def test_web_runs_gunicorn_and_shares_the_media_volume_with_the_worker():
    services = load()["services"]
    assert "gunicorn deepfake_site.wsgi" in services["web"]["command"]
    assert services["web"]["volumes"] == services["worker"]["volumes"]


def test_web_health_check_hits_a_real_route(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert "/readyz" in " ".join(load()["services"]["web"]["healthcheck"]["test"])


def test_only_nginx_is_published_and_it_refuses_bodies_over_the_upload_limit(settings):
    services = load()["services"]
    assert "ports" not in services["web"] and services["nginx"]["ports"] == ["8000:80"]
    conf = (COMPOSE.parent / "deploy" / "nginx.conf").read_text()
    assert f"client_max_body_size {settings.DEEPTRACE_MAX_UPLOAD_MB + 1}m;" in conf
    assert "proxy_request_buffering on;" in conf and "server web:8000;" in conf
