"""ml.media.provenance reads and validates Content Credentials with c2pa-python, on files signed in the
test with a throwaway certificate chain: each status in words, who signed, with what, what they declare."""

import time

import pytest

from ml.media import provenance
from tests import media
from tests.provenance import signing


def credentials(path, anchors=None):
    return provenance.read_credentials(path, anchors)


def test_a_signed_clip_from_a_trusted_ca_is_valid_and_says_who_signed_with_what(signed_clips, chain):
    c = credentials(signed_clips["valid"], chain.root_pem.decode())
    assert (c["status"], c["present"], c["problems"]) == ("valid", True, [])
    assert (c["signer"], c["signer_organisation"]) == ("Test Newsroom Camera", "DeepTrace Test Newsroom")
    assert c["claim_generator"] == "DeepTrace Test Camera 1.0" and c["trust_list"] is True
    assert c["actions"] == [{"action": "c2pa.created", "label": "Created", "when": None,
                             "software_agent": "DeepTrace Test Camera", "digital_source_type": signing.AI_GENERATED,
                             "source_type_label": "AI-generated (made by a trained model)", "ai_generated": True}]
    assert c["ai_generated"] is True and c["library"].startswith("c2pa-python 0.38.1")


def test_one_byte_changed_after_signing_is_tampered(signed_clips, chain):
    c = credentials(signed_clips["tampered"], chain.root_pem.decode())
    assert c["status"] == "tampered" and "changed after it was signed" in c["summary"]
    assert [p["code"] for p in c["problems"]] == ["assertion.bmffHash.mismatch"]


def test_a_signer_from_a_ca_we_do_not_trust_is_untrusted(signed_clips, chain):
    c = credentials(signed_clips["untrusted"], chain.root_pem.decode())
    assert (c["status"], c["signer"]) == ("untrusted", "Someone")
    assert [p["code"] for p in c["problems"]] == ["signingCredential.untrusted"] and c["detail"] is None


def test_without_a_trust_list_every_signer_is_untrusted_and_it_says_why(signed_clips):
    c = credentials(signed_clips["valid"])
    assert c["status"] == "untrusted" and c["trust_list"] is False and "No trust list" in c["detail"]


def test_an_unsigned_clip_has_no_credentials_which_proves_nothing(signed_clips):
    c = credentials(signed_clips["unsigned"])
    assert (c["status"], c["present"], c["signer"], c["actions"]) == ("none", False, None, [])
    assert "proves nothing" in c["summary"]


def test_an_edit_lists_its_parent_as_an_ingredient(signed_clips, chain):
    c = credentials(signed_clips["edited"], chain.root_pem.decode())
    assert c["status"] == "valid" and [a["action"] for a in c["actions"]] == ["c2pa.opened", "c2pa.edited"]
    assert c["ingredients"] == [{"title": "signed.mp4", "format": "video/mp4", "relationship": "parentOf", "depth": 0,
                                 "has_credentials": True, "problems": ["signingCredential.untrusted"],
                                 "signer": "Test Newsroom Camera", "claim_generator": "DeepTrace Test Camera 1.0"}]
    # The parent's problems are as the editor's tool recorded them when it signed (no trust list there).
    assert c["ai_generated"] is False  # the edit declares no AI; its parent did, which the chain shows


def test_a_certificate_that_expired_since_signing_is_expired(signed_clips, tmp_path):
    short = signing.make_chain(lifetime_s=1)
    clip = signing.sign(signed_clips["unsigned"], tmp_path / "short.mp4", short)
    time.sleep(3)  # certificate times count whole seconds
    c = credentials(clip, short.root_pem.decode())
    assert c["status"] == "expired" and "signingCredential.expired" in [p["code"] for p in c["problems"]]


@pytest.mark.parametrize("make, status", [(lambda p: media.make_text_file(p / "notes.mp4"), "unsupported"),
                                          (lambda p: media.make_truncated_copy(media.make_face_clip(p / "f.mp4"),
                                                                               p / "cut.mp4"), "none")])
def test_a_file_that_is_not_a_whole_mp4_never_raises(tmp_path, make, status):
    assert credentials(make(tmp_path))["status"] == status
