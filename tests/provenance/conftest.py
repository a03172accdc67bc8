"""Signed test media, made once per session: an unsigned clip, the same clip signed by a throwaway
newsroom CA (trusted when a test says so), a copy tampered after signing, one signed by a CA nobody
trusts, and an edit of the signed clip that carries it as its parent ingredient."""

import pytest

from tests import media
from tests.provenance import signing


@pytest.fixture(scope="session")
def chain():
    return signing.make_chain()


@pytest.fixture(scope="session")
def signed_clips(tmp_path_factory, chain):
    pytest.importorskip("c2pa")
    root = tmp_path_factory.mktemp("signed")
    unsigned = media.make_face_clip(root / "unsigned.mp4")
    valid = signing.sign(unsigned, root / "signed.mp4", chain)
    stranger = signing.make_chain(signer="Someone", organisation="Unknown Studio")
    edited = signing.sign(valid, root / "edited.mp4", chain,
                          signing.manifest(tool="Test Newsroom Editor", actions=("c2pa.opened", "c2pa.edited"),
                                           source_type=None, title="edited.mp4"), parent=valid)
    return {"unsigned": unsigned, "valid": valid, "tampered": signing.tamper(valid, root / "tampered.mp4"),
            "untrusted": signing.sign(unsigned, root / "stranger.mp4", stranger), "edited": edited}


@pytest.fixture
def trusted(settings, tmp_path, chain):
    """DEEPTRACE_C2PA_TRUST_ANCHORS names a PEM file holding the test root CA; returns its text."""
    anchors = tmp_path / "anchors.pem"
    anchors.write_bytes(chain.root_pem)
    settings.DEEPTRACE_C2PA_TRUST_ANCHORS = str(anchors)
    return chain.root_pem.decode()
