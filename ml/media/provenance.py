"""Where a video came from, beside what the detector says of it: its Content Credentials (C2PA) and its
own metadata (`ml.media.metadata`). Plain data out (JSON types), no Django.

Content Credentials are read and validated with c2pa-python, the Content Authenticity Initiative's
bindings to the reference implementation (c2pa-rs). The signature, the hash binding to these bytes
and the signer's certificate chain are checked; the chain counts as trusted only when it ends at one
of `trust_anchors` (PEM). Nothing is fetched from the network: no remote manifests, no OCSP.

`read(path, trust_anchors)` never raises: a file the library cannot read is reported as such.

Statuses (`credentials["status"]`):
- "valid": signed, unchanged since, and the signer's certificate chains to a trusted anchor;
- "untrusted": signed and unchanged, but by a certificate that chains to no anchor we trust;
- "tampered": the file, or the manifest, changed after it was signed;
- "expired": the signer's certificate was expired (or not yet valid) when it was checked;
- "invalid": credentials present but broken otherwise (revoked, malformed, unsupported algorithm);
- "none": no credentials in the file; "unsupported": the format cannot carry them (WebM, MKV);
- "error": the file could not be searched for them.
"""

from __future__ import annotations

import json
import threading
import time

from ml.media.metadata import read_metadata

ABSENCE = ("No credentials proves nothing: most cameras, phones and apps do not add them yet, and most "
           "social networks and converters strip them.")
SUMMARIES = {
    "valid": "Signed Content Credentials, intact: the file has not changed since it was signed, and the "
             "signer's certificate comes from an authority on our trust list.",
    "untrusted": "Signed, and the file has not changed since, but the signer's certificate does not come from an "
                 "authority on our trust list: anyone can make such a certificate, so who signed is unverified.",
    "tampered": "The file was changed after it was signed: its credentials no longer describe these bytes.",
    "expired": "The signer's certificate had expired (or was not yet valid), so the signature cannot be relied on.",
    "invalid": "The file carries credentials, but they do not validate.",
    "none": "This file carries no Content Credentials. " + ABSENCE,
    "unsupported": "This file type cannot carry Content Credentials. " + ABSENCE,
    "error": "The file could not be searched for Content Credentials.",
}
NO_TRUST_LIST = "No trust list is configured on this server, so no signer can be verified."
_TAMPER_CODES = ("mismatch", "assertion.missing", "assertion.multipleHardBindings", "claim.hardBindings.missing")
_EXPIRY_CODES = ("signingCredential.expired", "claimSignature.outsideValidity", "timeStamp.outsideValidity",
                 "signingCredential.notYetValid")
# IPTC digital source types (the `digitalSourceType` of an action), in words.
SOURCE_TYPES = {
    "trainedAlgorithmicMedia": "AI-generated (made by a trained model)",
    "compositeWithTrainedAlgorithmicMedia": "Partly AI-generated (combined with AI-made content)",
    "algorithmicallyEnhanced": "Enhanced by an algorithm",
    "compositeSynthetic": "Composite including synthetic content",
    "algorithmicMedia": "Computer-generated (by an algorithm, not a trained model)",
    "digitalCapture": "Captured by a camera",
    "computationalCapture": "Captured by a camera with computational processing",
    "negativeFilm": "Scanned from a film negative", "positiveFilm": "Scanned from film", "print": "Scanned from a print",
    "humanEdits": "Edited by a person", "minorHumanEdits": "Minor edits by a person",
    "compositeCapture": "Composite of camera captures", "composite": "Composite of several elements",
    "digitalArt": "Digital art made by a person", "virtualRecording": "Recording of a virtual scene",
    "screenCapture": "Screen recording", "dataDrivenMedia": "Made from data (e.g. a chart)",
}
AI_SOURCE_TYPES = {"trainedAlgorithmicMedia", "compositeWithTrainedAlgorithmicMedia", "compositeSynthetic"}
MAX_INGREDIENT_DEPTH = 8

_contexts: dict[str | None, object] = {}
_contexts_lock = threading.Lock()


def read(path, trust_anchors: str | None = None) -> dict:
    """{"credentials", "metadata", "seconds"} for the file at `path`."""
    started = time.perf_counter()
    credentials = read_credentials(path, trust_anchors)
    metadata = read_metadata(path)
    return {"credentials": credentials, "metadata": metadata, "seconds": round(time.perf_counter() - started, 4)}


def library_version() -> str | None:
    try:
        from importlib.metadata import version

        import c2pa

        return f"c2pa-python {version('c2pa-python')} (c2pa-rs {c2pa.sdk_version()})"
    except Exception:  # noqa: BLE001  not installed
        return None


def read_credentials(path, trust_anchors: str | None = None) -> dict:
    facts = _empty_credentials()
    facts["trust_list"] = bool(trust_anchors)
    try:
        import c2pa
    except ImportError:
        return _status(facts, "error", "c2pa-python is not installed on the worker.")
    facts["library"] = library_version()
    try:
        with open(path, "rb") as stream:
            reader = c2pa.Reader.try_create(None, stream, None, _context(trust_anchors))
            if reader is None:
                return _status(facts, "none")
            with reader:
                store, state = json.loads(reader.json()), reader.get_validation_state()
    except c2pa.C2paError.NotSupported:
        return _status(facts, "unsupported")
    except c2pa.C2paError as error:
        return _status(facts, "error", _first_line(error))
    except OSError as error:
        return _status(facts, "error", type(error).__name__)
    return _describe(store, state, facts)


def _empty_credentials() -> dict:
    return {"status": "none", "present": False, "summary": "", "detail": None, "signer": None, "signer_organisation": None,
            "signed_at": None, "claim_generator": None, "title": None, "actions": [], "ai_generated": False,
            "ingredients": [], "problems": [], "trust_list": False, "library": None}


def _status(facts: dict, status: str, detail: str | None = None) -> dict:
    facts.update(status=status, summary=SUMMARIES[status], detail=detail)
    return facts


def _first_line(error) -> str:
    return str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__


def _context(trust_anchors: str | None):
    """A c2pa Context per trust list, made once: verify the trust chain, fetch nothing."""
    import c2pa

    with _contexts_lock:
        if trust_anchors not in _contexts:
            settings = {"verify": {"verify_trust": True, "remote_manifest_fetch": False, "ocsp_fetch": False}}
            if trust_anchors:
                settings["trust"] = {"trust_anchors": trust_anchors}
            _contexts[trust_anchors] = c2pa.Context.from_dict(settings)
        return _contexts[trust_anchors]


def _describe(store: dict, state: str | None, facts: dict) -> dict:
    manifests = store.get("manifests") or {}
    active = manifests.get(store.get("active_manifest") or "") or {}
    facts["present"] = True
    facts.update(_manifest_facts(active))
    facts["ingredients"] = _ingredients(active, manifests)
    results = (store.get("validation_results") or {}).get("activeManifest") or {}
    failures = results.get("failure") or store.get("validation_status") or []
    facts["problems"] = [{"code": f.get("code", ""), "explanation": f.get("explanation") or ""} for f in failures]
    status = _verdict([p["code"] for p in facts["problems"]], state)
    detail = None if status != "untrusted" or facts["trust_list"] else NO_TRUST_LIST
    return _status(facts, status, detail)


def _verdict(codes: list[str], state: str | None) -> str:
    if any(any(mark in code for mark in _TAMPER_CODES) for code in codes):
        return "tampered"
    if any(code in _EXPIRY_CODES for code in codes):
        return "expired"
    if any(code != "signingCredential.untrusted" for code in codes):
        return "invalid"
    return "valid" if state == "Trusted" and not codes else "untrusted"


def _manifest_facts(manifest: dict) -> dict:
    signature = manifest.get("signature_info") or {}
    actions = _actions(manifest)
    return {"signer": signature.get("common_name") or signature.get("issuer"),
            "signer_organisation": signature.get("issuer"), "signed_at": signature.get("time"),
            "claim_generator": _generator(manifest), "title": manifest.get("title"), "actions": actions,
            "ai_generated": any(a["ai_generated"] for a in actions)}


def _generator(manifest: dict) -> str | None:
    for info in manifest.get("claim_generator_info") or []:
        if isinstance(info, dict) and info.get("name"):
            return " ".join(str(part) for part in (info["name"], info.get("version")) if part)
    return manifest.get("claim_generator")


def _actions(manifest: dict) -> list[dict]:
    found = []
    for assertion in manifest.get("assertions") or []:
        if not str(assertion.get("label", "")).startswith("c2pa.actions"):
            continue
        for action in (assertion.get("data") or {}).get("actions") or []:
            source = action.get("digitalSourceType") or ""
            term = source.rstrip("/").rsplit("/", 1)[-1]
            agent = action.get("softwareAgent")
            found.append({
                "action": action.get("action", ""), "label": _action_label(action.get("action", "")),
                "when": action.get("when"),
                "software_agent": agent.get("name") if isinstance(agent, dict) else agent,
                "digital_source_type": source or None, "source_type_label": SOURCE_TYPES.get(term) if term else None,
                "ai_generated": term in AI_SOURCE_TYPES,
            })
    return found


def _action_label(action: str) -> str:
    """"c2pa.color_adjustments" -> "Color adjustments"."""
    name = action.split(".", 1)[-1] if action.startswith("c2pa.") else action
    return name.replace("_", " ").replace(".", " ").capitalize()


def _ingredients(manifest: dict, manifests: dict, depth: int = 0) -> list[dict]:
    """The ingredient chain, depth first: what this file was made from, and what those were made from."""
    found = []
    for ingredient in manifest.get("ingredients") or []:
        own = manifests.get(ingredient.get("active_manifest") or "")
        problems = ((ingredient.get("validation_results") or {}).get("activeManifest") or {}).get("failure") or []
        found.append({"title": ingredient.get("title"), "format": ingredient.get("format"),
                      "relationship": ingredient.get("relationship"), "depth": depth,
                      "has_credentials": own is not None,
                      "problems": [p.get("code", "") for p in problems],
                      **({k: v for k, v in _manifest_facts(own).items() if k in ("signer", "claim_generator")}
                         if own else {"signer": None, "claim_generator": None})})
        if own and depth + 1 < MAX_INGREDIENT_DEPTH:
            found += _ingredients(own, manifests, depth + 1)
    return found
