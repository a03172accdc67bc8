"""Upload a file through the API as a user would, and run its analysis here with the model patched out."""

from detector import inference, jobs
from detector.models import Analysis
from tests.fixtures import fake_result


def patch_model(monkeypatch, seen=None):
    """The model's part of the worker is faked; the provenance stage before it runs for real. `seen`
    collects the stored provenance status at the moment detection starts."""

    def fake_pipeline(path, model_version, options, progress):
        if seen is not None:
            stored = Analysis.objects.order_by("-pk").values_list("provenance", flat=True).first()
            seen.append(stored["credentials"]["status"] if stored else None)
        progress("probing", 1.0)
        return fake_result()

    monkeypatch.setattr(inference, "run_pipeline", fake_pipeline)


def upload_and_analyse(client, path):
    """POST the file to /api/v1/analyses/ (the upload and the extension's path), then run the job."""
    with open(path, "rb") as handle:
        response = client.post("/api/v1/analyses/", {"video": handle}, format="multipart")
    assert response.status_code == 202, response.content
    analysis_id = response.json()["id"]
    assert jobs.run(analysis_id) is jobs.Outcome.FINISHED
    return Analysis.objects.get(pk=analysis_id)
