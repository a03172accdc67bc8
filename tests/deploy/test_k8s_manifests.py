"""deploy/k8s/ cannot be applied here (no cluster); parse it and check it agrees with the settings and
with compose: a Deployment per role sharing no volume, workers scaled by the analysis queue's length."""

from pathlib import Path

import yaml

from deepfake_site import env

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
SETTINGS = "".join(Path(env.__file__).with_name(name).read_text() for name in ("settings.py", "media_storage.py"))


def manifests():
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def by_kind(kind):
    return {doc["metadata"]["name"]: doc for doc in manifests() if doc["kind"] == kind}


def container(deployment):
    [only] = deployment["spec"]["template"]["spec"]["containers"]
    return only


def test_there_is_a_deployment_per_role_selecting_its_own_pods():
    deployments = by_kind("Deployment")
    assert set(deployments) == {"deeptrace-web", "deeptrace-worker", "deeptrace-beat"}
    for deployment in deployments.values():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert container(deployments["deeptrace-web"])["command"][0] == "gunicorn"
    assert "-Q" in container(deployments["deeptrace-worker"])["command"]
    assert deployments["deeptrace-beat"]["spec"]["replicas"] == 1


def test_every_role_reads_the_same_settings_and_each_one_is_read_by_settings_py():
    config, secret = by_kind("ConfigMap")["deeptrace"]["data"], by_kind("Secret")["deeptrace"]["stringData"]
    for deployment in by_kind("Deployment").values():
        sources = {next(iter(ref.values()))["name"] for ref in container(deployment)["envFrom"]}
        assert sources == {"deeptrace"}
    for name in [*config, *secret]:
        assert f'"{name}"' in SETTINGS, f"{name} is set in deploy/k8s but never read by the settings"
    assert config["DEEPTRACE_STORAGE"] == "s3" and "DEEPTRACE_MEDIA_ROOT" not in config


def test_no_role_mounts_a_volume_it_could_share_for_media():
    for deployment in by_kind("Deployment").values():
        for mount in container(deployment).get("volumeMounts", []):
            assert mount.get("readOnly") or mount["mountPath"] == "/tmp", mount
        for volume in deployment["spec"]["template"]["spec"].get("volumes", []):
            claim = volume.get("persistentVolumeClaim")
            assert "emptyDir" in volume or (claim and claim["readOnly"]), volume


def test_workers_are_scaled_by_the_length_of_the_analysis_queue():
    [scaled] = by_kind("ScaledObject").values()
    assert scaled["apiVersion"].startswith("keda.sh/")
    assert scaled["spec"]["scaleTargetRef"]["name"] == "deeptrace-worker"
    [trigger] = scaled["spec"]["triggers"]
    queue = by_kind("ConfigMap")["deeptrace"]["data"]["DEEPTRACE_ANALYSIS_QUEUE"]
    assert trigger["type"] == "redis" and trigger["metadata"]["listName"] == queue
    worker = container(by_kind("Deployment")["deeptrace-worker"])
    concurrency = {item["name"]: item["value"] for item in worker["env"]}["DEEPTRACE_WORKER_CONCURRENCY"]
    assert trigger["metadata"]["listLength"] == concurrency  # one more worker per worker's worth of waiting jobs
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert 1 <= scaled["spec"]["minReplicaCount"] < scaled["spec"]["maxReplicaCount"]
