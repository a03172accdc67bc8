"""`manage.py check --deploy` runs on a fresh clone, before `collectstatic` has written the static
manifest (DEBUG off, manifest storage): nothing resolves a static URL when the URLconf is imported.
Once collected, /favicon.ico leads to the hashed icon."""

from tests.deploy.test_check_deploy_is_clean import manage, production_env


def test_check_deploy_passes_before_collectstatic(tmp_path):
    env = production_env(tmp_path)
    assert not (tmp_path / "static").exists()  # no manifest: as cloned
    checked = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues" in checked.stdout


def test_favicon_leads_to_the_hashed_icon_once_collected(tmp_path):
    env = production_env(tmp_path)
    assert manage(env, "collectstatic", "--noinput", "-v", "0").returncode == 0
    shown = manage(env, "shell", "-c", "from django.test import Client; "
                   "r = Client(HTTP_HOST='deeptrace.example').get('/favicon.ico', secure=True); "
                   "print(r.status_code, r['Location'])")
    status, location = shown.stdout.split()[-2:]
    assert status == "301" and location.startswith("/static/favicon.") and location.endswith(".svg"), shown.stderr
    assert location != "/static/favicon.svg"  # the hashed name from the manifest
