"""The API keeps the contract its schema publishes: schemathesis fuzzes every operation of /api/schema/.

A live test server holds two users with tokens and finished analyses (and a failed one to retry).
Schemathesis runs all its phases (examples, coverage, fuzzing, stateful) and all its checks, among them
object-level authorisation: every object alice reads is replayed as bob, who must not get it. Examples
per operation are bounded and the seed fixed, so the run is repeatable and takes about a minute.
"""

import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from accounts.models import ApiToken
from tests.fixtures import make_done, make_failed, make_model, route_tasks

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
MAX_EXAMPLES = 25
SEED = 20261122
CONFIG = """
[auth.wfc]
path = "{auth}"
peers = ["alice", "bob"]

# The seeded rows of both users, so that requests reach real objects, their own and the other's.
[dictionaries.analysis_ids]
values = {analysis_ids}
[dictionaries.frame_ids]
values = {frame_ids}
[parameters]
"path.id" = {{ dictionary = "analysis_ids", probability = 0.5 }}
"path.frame_id" = {{ dictionary = "frame_ids", probability = 0.5 }}

# Crops need an analysis id and one of its frame ids together: a pair of alice's, or nearly every
# crop request is a 404 and the 200 (image/jpeg) answer goes untested.
[[operations]]
include-name = "GET /api/v1/analyses/{{id}}/frames/{{frame_id}}/crop.jpg"
parameters = {{ "path.id" = {crop_pair[0]}, "path.frame_id" = {crop_pair[1]} }}

# A schema cannot say "a real video" or "a host that resolves": a schema-valid upload of random bytes
# is rightly refused, with the 400, 413 or 415 this operation documents for exactly that.
[[operations]]
include-name = "POST /api/v1/analyses/"
checks.positive_data_acceptance.expected-statuses = ["2xx", "400", "401", "413", "415", "429"]
"""


@pytest.fixture
def private_queue(settings):
    """Retries the fuzzer triggers queue real jobs: keep them off shared queues, and drop them after."""
    queue = f"contract-{uuid.uuid4().hex[:8]}"
    app = route_tasks(settings, queue)
    yield queue
    with app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


@pytest.fixture
def seeded(user, other_user, settings):
    """Both users' tokens and rows; rates high enough that fuzzing is not answered 429 throughout."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "100000/minute", "anon": "100000/minute"}}
    model = make_model(active=True, metrics={"test": {"auc": 0.5}})
    tokens, analyses = {}, []
    for name, owner in (("alice", user), ("bob", other_user)):
        analyses += [make_done(owner, model_version=model), make_failed(owner),
                     make_done(owner, verdict="real", p_fake=0.1, model_version=model)]
        tokens[name] = ApiToken.issue(owner, "contract")[1]
    frames = [frame for analysis in analyses for frame in analysis.frames.all()]
    return tokens, [analysis.pk for analysis in analyses], frames


def _auth_file(path, tokens):
    auth = [{"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Token {raw}"}]}
            for name, raw in tokens.items()]
    path.write_text(json.dumps({"auth": auth}))
    return path


def test_the_api_keeps_its_published_contract_under_fuzzing(live_server, private_queue, seeded, tmp_path):
    tokens, analysis_ids, frames = seeded
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG.format(auth=_auth_file(tmp_path / "auth.json", tokens), analysis_ids=analysis_ids,
                                    frame_ids=[frame.pk for frame in frames],
                                    crop_pair=(frames[0].analysis_id, frames[0].pk)))
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "--no-color", "run", f"{live_server.url}/api/schema/",
        "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful", "--max-examples", str(MAX_EXAMPLES),
        "--seed", str(SEED), "--generation-database", "none", "--workers", "1",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    print(run.stdout)  # the report, shown with `pytest -rP`
    assert run.returncode == 0, run.stdout[-12000:] + run.stderr[-3000:]
    # Warnings (an operation that mostly answers 400 to random bytes as a video) may remain; failures may not.
    generated, passed = map(int, re.search(r"(\d+) generated, (\d+) passed", run.stdout).groups())
    assert generated == passed > 8 * MAX_EXAMPLES, run.stdout[-4000:]
