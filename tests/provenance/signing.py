"""Content Credentials made in the tests: a throwaway certificate chain and files signed with it.

`make_chain()` makes a root CA and a signing certificate under it with the `cryptography` package (EC
P-256, ES256), with what C2PA asks of a signing certificate: digitalSignature key usage, an extended
key usage it accepts (emailProtection), not a CA, an authority key identifier. `sign()` writes a signed
copy of a clip through c2pa-python's Builder and Signer; `tamper()` flips one byte of the media data.
Shared by tests/provenance and bench/analyze.py.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

AI_GENERATED = "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia"
CAPTURED = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
PARENT = "parent"  # the label linking an edit's "c2pa.opened" action to its parent ingredient


@dataclass(frozen=True)
class Chain:
    root_pem: bytes  # the trust anchor
    chain_pem: bytes  # signing certificate, then the root
    key_pem: bytes  # the signing certificate's private key (PKCS#8)


def _name(common_name, organisation):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation)])


def _usage(sign=False, ca=False):
    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=ca, crl_sign=ca,
                         encipher_only=False, decipher_only=False)


def _pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def make_chain(signer="Test Newsroom Camera", organisation="DeepTrace Test Newsroom", days=30,
               lifetime_s: float | None = None) -> Chain:
    """A root CA and a signing certificate it issued, valid for `days` either side of now, or only for
    the next `lifetime_s` seconds (a certificate that expires during the test)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    root_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = _name(f"{organisation} Root CA", organisation)
    root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
            .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=days)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(_usage(ca=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    ends = now + (datetime.timedelta(seconds=lifetime_s) if lifetime_s is not None else datetime.timedelta(days=days))
    leaf = (x509.CertificateBuilder().subject_name(_name(signer, organisation)).issuer_name(root_name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=days)).not_valid_after(ends)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_usage(sign=True), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Chain(root_pem=_pem(root), chain_pem=_pem(leaf) + _pem(root), key_pem=key_pem)


def manifest(tool="DeepTrace Test Camera", version="1.0", actions=("c2pa.created",), source_type=AI_GENERATED,
             title="clip.mp4"):
    """A manifest definition with one c2pa.actions assertion: `actions` in order, the first with
    `source_type` (an edit starts with "c2pa.opened", its parent ingredient)."""
    steps = [{"action": action, "softwareAgent": {"name": tool, "version": version}} for action in actions]
    if source_type:
        steps[0]["digitalSourceType"] = source_type
    if actions[0] == "c2pa.opened":
        steps[0]["parameters"] = {"ingredientIds": [PARENT]}
    return {"claim_generator_info": [{"name": tool, "version": version}], "title": title,
            "assertions": [{"label": "c2pa.actions", "data": {"actions": steps}}]}


def sign(src, dst, chain: Chain, definition=None, parent=None) -> Path:
    """Write a copy of the MP4 `src` to `dst` with a manifest signed by `chain`. `parent`: a file whose
    own credentials become the new manifest's parent ingredient (the chain of edits)."""
    import c2pa

    definition = definition or manifest()
    signer = c2pa.Signer.from_info(c2pa.C2paSignerInfo(c2pa.C2paSigningAlg.ES256, chain.chain_pem,
                                                       chain.key_pem, None))
    with c2pa.Builder(definition) as builder, signer:
        if parent is not None:
            with open(parent, "rb") as stream:
                builder.add_ingredient({"title": Path(parent).name, "relationship": "parentOf", "label": PARENT},
                                       "video/mp4", stream)
        with open(src, "rb") as source, open(dst, "w+b") as target:
            builder.sign(signer, "video/mp4", source, target)
    return Path(dst)


def tamper(src, dst) -> Path:
    """A copy of `src` with one byte of its media data (inside `mdat`) changed."""
    data = bytearray(Path(src).read_bytes())
    at = data.index(b"mdat") + 4 + 100
    data[at] ^= 0xFF
    Path(dst).write_bytes(bytes(data))
    return Path(dst)
