"""docker-compose.yml cannot run here (no Docker engine); check it agrees with the settings instead."""

from pathlib import Path

import yaml

from deepfake_site import env

COMPOSE = Path(__file__).resolve().parents[2] / "docker-compose.yml"
SETTINGS = "".join(Path(env.__file__).with_name(name).read_text() for name in ("settings.py", "media_storage.py"))


def load():
    return yaml.safe_load(COMPOSE.read_text())


def test_it_defines_the_whole_stack():
    assert set(load()["services"]) == {"postgres", "redis", "s3", "nginx", "web", "worker", "beat"}


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


def test_web_and_workers_share_no_volume_and_keep_media_in_the_bucket():
    services = load()["services"]
    assert "gunicorn deepfake_site.wsgi" in services["web"]["command"]
    for name in ("web", "worker", "beat"):
        mounts = services[name].get("volumes", [])
        assert all(mount.endswith(":ro") and not mount.startswith(("media", "objects")) for mount in mounts), name
        environment = services[name]["environment"]
        assert environment["DEEPTRACE_STORAGE"] == "s3" and "DEEPTRACE_MEDIA_ROOT" not in environment
        assert environment["DEEPTRACE_S3_ENDPOINT_URL"] == "${DEEPTRACE_S3_ENDPOINT_URL:-http://s3:8333}"
    assert services["s3"]["volumes"] == ["objects:/data"] and "ports" not in services["s3"]
    assert set(load()["volumes"]) == {"pgdata", "objects"}


def test_workers_scale_with_no_fixed_name_or_port():
    worker = load()["services"]["worker"]
    assert not {"container_name", "ports", "hostname"} & set(worker)
    assert {"postgres", "redis", "s3"} <= set(worker["depends_on"])


def test_the_store_and_the_app_use_the_same_keys_and_a_secret_that_must_be_set():
    services = load()["services"]
    store, web = services["s3"]["environment"], services["web"]["environment"]
    assert store["AWS_ACCESS_KEY_ID"] == web["DEEPTRACE_S3_ACCESS_KEY_ID"]
    assert store["AWS_SECRET_ACCESS_KEY"] == web["DEEPTRACE_S3_SECRET_ACCESS_KEY"]
    assert ":?set DEEPTRACE_S3_SECRET_ACCESS_KEY" in web["DEEPTRACE_S3_SECRET_ACCESS_KEY"]


def test_web_health_check_hits_a_real_route(client, db):
    assert client.get("/healthz").json() == {"status": "ok"}
    assert "http://127.0.0.1:8000/healthz" in " ".join(load()["services"]["web"]["healthcheck"]["test"])


def test_readiness_is_checked_through_nginx_so_a_full_proxy_shows(client, db, settings):
    nginx = " ".join(load()["services"]["nginx"]["healthcheck"]["test"])
    assert "http://127.0.0.1/readyz" in nginx  # nginx's own port: the request goes through it to gunicorn
    # Under an allowed host name: Django answers 400 to Host 127.0.0.1 in production.
    assert 'Host: $${DJANGO_ALLOWED_HOSTS%%,*}' in nginx
    assert load()["services"]["nginx"]["environment"]["DJANGO_ALLOWED_HOSTS"] == "${DJANGO_ALLOWED_HOSTS:-localhost}"
    assert "os.environ['DJANGO_ALLOWED_HOSTS']" in " ".join(load()["services"]["web"]["healthcheck"]["test"])
    settings.ALLOWED_HOSTS = ["localhost"]
    assert client.get("/readyz", HTTP_HOST="localhost").status_code in (200, 503)  # an answer, not a 400


def test_nginx_is_sized_and_guarded_against_slow_clients():
    conf = (COMPOSE.parent / "deploy" / "nginx.conf").read_text()
    connections = int(conf.split("worker_connections", 1)[1].split(";")[0])
    assert connections >= 4096 and "worker_processes auto;" in conf
    assert "limit_conn_zone $binary_remote_addr zone=per_address" in conf and "limit_conn per_address 20;" in conf
    assert "limit_conn_status 429;" in conf
    assert "client_header_timeout 10s;" in conf and "client_body_timeout 10s;" in conf


def test_beat_runs_as_its_own_service_and_the_worker_without_an_embedded_one():
    services = load()["services"]
    assert services["beat"]["command"].startswith("celery -A deepfake_site beat")
    assert " -B" not in services["worker"]["command"]


def test_only_nginx_is_published_and_it_refuses_bodies_over_the_upload_limit(settings):
    services = load()["services"]
    assert "ports" not in services["web"] and services["nginx"]["ports"] == ["8000:80"]
    conf = (COMPOSE.parent / "deploy" / "nginx.conf").read_text()
    assert f"client_max_body_size {settings.DEEPTRACE_MAX_UPLOAD_MB + 1}m;" in conf
    assert "proxy_request_buffering on;" in conf and "server web:8000;" in conf
