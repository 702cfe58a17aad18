"""The certificate/key pair check of `kubectl create secret tls`, without a crypto library.

kubectl hands both files to Go's tls.X509KeyPair. That function finds the PEM blocks, parses
the first certificate and the private key, and checks that the key belongs to the certificate.
The `cryptography` package is not a dependency of this project, so the same checks are done
here with a small DER reader:

* PEM block discovery and all of X509KeyPair's own messages are exact.
* RSA keys (PKCS#1 and PKCS#8) are compared by modulus, exactly as Go does.
* Ed25519 keys are compared by deriving the public key from the seed, exactly as Go does.
* ECDSA keys are compared through the public point stored in the key file (OpenSSL always
  writes it). Go derives the point from the private scalar instead; a key file without the
  point is accepted here.
* A certificate that does not parse gives Go 1.19's `x509: malformed ...` texts for the
  structural parts this reader checks; no signature, name or extension is validated.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass

from kubia_tutor.shell.generators._support import go_strings
from kubia_tutor.shell.generators.errors import GeneratorError

__all__ = ["check_key_pair"]

_OID_RSA = "1.2.840.113549.1.1.1"
_OID_EC = "1.2.840.10045.2.1"
_OID_ED25519 = "1.3.101.112"
_EC_CURVES = {
    "1.3.132.0.33": 28,  # P-224
    "1.2.840.10045.3.1.7": 32,  # P-256
    "1.3.132.0.34": 48,  # P-384
    "1.3.132.0.35": 66,  # P-521
}

_SEQUENCE = 0x30
_INTEGER = 0x02
_BIT_STRING = 0x03
_OCTET_STRING = 0x04
_NULL = 0x05
_OID = 0x06


class _Malformed(Exception):
    """A DER structure that does not parse."""


@dataclass(frozen=True)
class _PublicKey:
    algorithm: str  # "rsa", "ecdsa", "ed25519" or "" for any other algorithm
    value: bytes | int  # RSA modulus, EC point, Ed25519 key


def check_key_pair(cert_pem: bytes, key_pem: bytes) -> None:
    """Raise GeneratorError worded like kubectl 1.20 when the pair would be rejected."""
    try:
        _check(cert_pem, key_pem)
    except GeneratorError as err:
        raise GeneratorError(f"failed to load key pair {err.message}") from None


def _check(cert_pem: bytes, key_pem: bytes) -> None:
    certs: list[bytes] = []
    skipped: list[str] = []
    for block_type, der in _pem_blocks(cert_pem):
        if block_type == "CERTIFICATE":
            certs.append(der)
        else:
            skipped.append(block_type)
    if not certs:
        if not skipped:
            raise GeneratorError("tls: failed to find any PEM data in certificate input")
        if len(skipped) == 1 and skipped[0].endswith("PRIVATE KEY"):
            raise GeneratorError(
                "tls: failed to find certificate PEM data in certificate input, but did find "
                "a private key; PEM inputs may have been switched"
            )
        raise GeneratorError(
            'tls: failed to find "CERTIFICATE" PEM block in certificate input after skipping '
            f"PEM blocks of the following types: {go_strings(skipped)}"
        )

    skipped = []
    key_der = None
    for block_type, der in _pem_blocks(key_pem):
        if block_type == "PRIVATE KEY" or block_type.endswith(" PRIVATE KEY"):
            key_der = der
            break
        skipped.append(block_type)
    if key_der is None:
        if not skipped:
            raise GeneratorError("tls: failed to find any PEM data in key input")
        if skipped == ["CERTIFICATE"]:
            raise GeneratorError(
                "tls: found a certificate rather than a key in the PEM for the private key"
            )
        raise GeneratorError(
            'tls: failed to find PEM block with type ending in "PRIVATE KEY" in key input '
            f"after skipping PEM blocks of the following types: {go_strings(skipped)}"
        )

    public = _certificate_public_key(certs[0])
    private = _parse_private_key(key_der)
    if private is None:
        raise GeneratorError("tls: failed to parse private key")
    if public.algorithm == "":
        raise GeneratorError("tls: unknown public key algorithm")
    if private.algorithm != public.algorithm:
        raise GeneratorError("tls: private key type does not match public key type")
    if not _same_key(public, private):
        raise GeneratorError("tls: private key does not match public key")


# ---------------------------------------------------------------------------------------------
# PEM

_PEM_BEGIN = re.compile(rb"(?:^|\n)-----BEGIN ([^\n]*?)-----[ \t\r]*\n")


def _pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """The decodable PEM blocks in `data`, in order, as Go's pem.Decode finds them."""
    blocks: list[tuple[str, bytes]] = []
    pos = 0
    while True:
        match = _PEM_BEGIN.search(data, pos)
        if match is None:
            return blocks
        block_type = match.group(1).decode("latin-1")
        end_marker = b"\n-----END " + match.group(1) + b"-----"
        body_start = match.end()
        end = data.find(end_marker, body_start - 1)
        der = None if end < 0 else _pem_body(data[body_start:end])
        if der is None:
            # Go retries from just after the BEGIN line, so a broken block is skipped.
            pos = match.end() - 1
            continue
        blocks.append((block_type, der))
        pos = end + len(end_marker)


def _pem_body(body: bytes) -> bytes | None:
    lines = body.split(b"\n")
    while lines and b":" in lines[0]:
        lines.pop(0)  # a header such as Proc-Type: 4,ENCRYPTED
    text = re.sub(rb"[ \t\r\n]", b"", b"".join(lines))
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# DER


def _read(data: bytes, pos: int) -> tuple[int, bytes, int]:
    """The element at `pos`: its tag, its content and the position after it."""
    if pos + 2 > len(data):
        raise _Malformed
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise _Malformed
    length = data[pos + 1]
    pos += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or pos + count > len(data):
            raise _Malformed
        length = int.from_bytes(data[pos : pos + count], "big")
        if length < 0x80 or data[pos] == 0:
            raise _Malformed  # DER wants the shortest length form
        pos += count
    if pos + length > len(data):
        raise _Malformed
    return tag, data[pos : pos + length], pos + length


def _expect(data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
    got, content, after = _read(data, pos)
    if got != tag:
        raise _Malformed
    return content, after


def _children(content: bytes) -> list[tuple[int, bytes]]:
    items = []
    pos = 0
    while pos < len(content):
        tag, value, pos = _read(content, pos)
        items.append((tag, value))
    return items


def _oid(content: bytes) -> str:
    if not content:
        raise _Malformed
    parts: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    if content[-1] & 0x80:
        raise _Malformed
    first = parts[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(p) for p in head + parts[1:])


def _integer(content: bytes) -> int:
    if not content:
        raise _Malformed
    return int.from_bytes(content, "big", signed=True)


def _bit_string(content: bytes) -> bytes:
    if not content or content[0] != 0:
        raise _Malformed
    return content[1:]


# ---------------------------------------------------------------------------------------------
# Certificate


def _certificate_public_key(der: bytes) -> _PublicKey:
    def step(message: str, data: bytes, pos: int, tag: int) -> tuple[bytes, int]:
        try:
            return _expect(data, pos, tag)
        except _Malformed:
            raise GeneratorError(f"x509: malformed {message}") from None

    outer, after = step("certificate", der, 0, _SEQUENCE)
    if after != len(der):
        raise GeneratorError("x509: trailing data")
    tbs, signature_pos = step("tbs certificate", outer, 0, _SEQUENCE)

    pos = 0
    if tbs[:1] == b"\xa0":
        _, pos = step("version", tbs, 0, 0xA0)
    _, pos = step("serial number", tbs, pos, _INTEGER)
    _, pos = step("signature algorithm identifier", tbs, pos, _SEQUENCE)
    _, pos = step("issuer", tbs, pos, _SEQUENCE)
    _, pos = step("validity", tbs, pos, _SEQUENCE)
    _, pos = step("subject", tbs, pos, _SEQUENCE)
    spki, pos = step("spki", tbs, pos, _SEQUENCE)
    algorithm, rest = step("public key algorithm identifier", spki, 0, _SEQUENCE)
    key_bits, _ = step("subjectPublicKey", spki, rest, _BIT_STRING)
    _, signature_pos = step("algorithm identifier", outer, signature_pos, _SEQUENCE)
    step("signature", outer, signature_pos, _BIT_STRING)
    try:
        fields = _children(algorithm)
        oid = _oid(fields[0][1]) if fields and fields[0][0] == _OID else ""
        key = _bit_string(key_bits)
    except _Malformed:
        raise GeneratorError("x509: malformed spki") from None

    if oid == _OID_RSA:
        try:
            (n_tag, n_raw), (e_tag, e_raw) = _children(_expect(key, 0, _SEQUENCE)[0])
            if n_tag != _INTEGER or e_tag != _INTEGER:
                raise _Malformed
        except (_Malformed, ValueError):
            raise GeneratorError("x509: invalid RSA public key") from None
        modulus = _integer(n_raw)
        if modulus <= 0:
            raise GeneratorError("x509: RSA modulus is not a positive number")
        if _integer(e_raw) <= 0:
            raise GeneratorError("x509: RSA public exponent is not a positive number")
        return _PublicKey("rsa", modulus)
    if oid == _OID_EC:
        curve = _oid(fields[1][1]) if len(fields) > 1 and fields[1][0] == _OID else ""
        size = _EC_CURVES.get(curve)
        if size is None:
            raise GeneratorError("x509: unsupported elliptic curve")
        if len(key) != 1 + 2 * size or key[0] != 4:
            raise GeneratorError("x509: failed to unmarshal elliptic curve point")
        return _PublicKey("ecdsa", key)
    if oid == _OID_ED25519:
        if len(fields) > 1:
            raise GeneratorError("x509: Ed25519 key encoded with illegal parameters")
        if len(key) != 32:
            raise GeneratorError("x509: wrong Ed25519 public key size")
        return _PublicKey("ed25519", key)
    return _PublicKey("", b"")


# ---------------------------------------------------------------------------------------------
# Private key: PKCS#1, then PKCS#8, then SEC 1, as crypto/tls tries them


def _parse_private_key(der: bytes) -> _PublicKey | None:
    """The public half of the private key in `der`, or None when no format accepts it."""
    for parser in (_pkcs1, _pkcs8, _sec1):
        try:
            key = parser(der)
        except (_Malformed, ValueError, IndexError):
            continue
        if key is not None:
            return key
    return None


def _whole_sequence(der: bytes) -> list[tuple[int, bytes]]:
    content, after = _expect(der, 0, _SEQUENCE)
    if after != len(der):
        raise _Malformed
    return _children(content)


def _pkcs1(der: bytes) -> _PublicKey | None:
    fields = _whole_sequence(der)
    if len(fields) < 6 or any(tag != _INTEGER for tag, _ in fields[:6]):
        return None
    version, n, e, d, p, q = (_integer(raw) for _, raw in fields[:6])
    if version > 1 or n <= 0 or d <= 0 or p <= 1 or q <= 1 or e < 2:
        return None
    # rsa.PrivateKey.Validate, two-prime case: the primes make the modulus and d inverts e.
    if version == 0 and (p * q != n or (d * e) % (p - 1) != 1 or (d * e) % (q - 1) != 1):
        return None
    return _PublicKey("rsa", n)


def _pkcs8(der: bytes) -> _PublicKey | None:
    fields = _whole_sequence(der)
    if len(fields) < 3 or fields[0][0] != _INTEGER or fields[1][0] != _SEQUENCE:
        return None
    if fields[2][0] != _OCTET_STRING:
        return None
    algorithm = _children(fields[1][1])
    oid = _oid(algorithm[0][1])
    inner = fields[2][1]
    if oid == _OID_RSA:
        return _pkcs1(inner)
    if oid == _OID_EC:
        if len(algorithm) < 2 or algorithm[1][0] != _OID:
            return None
        return _ec_private_key(inner, _oid(algorithm[1][1]))
    if oid == _OID_ED25519:
        seed, after = _expect(inner, 0, _OCTET_STRING)
        if after != len(inner) or len(seed) != 32:
            return None
        return _PublicKey("ed25519", _ed25519_public(seed))
    return None


def _sec1(der: bytes) -> _PublicKey | None:
    return _ec_private_key(der, None)


def _ec_private_key(der: bytes, curve: str | None) -> _PublicKey | None:
    fields = _whole_sequence(der)
    if len(fields) < 2 or fields[0][0] != _INTEGER or _integer(fields[0][1]) != 1:
        return None
    if fields[1][0] != _OCTET_STRING:
        return None
    point = None
    for tag, value in fields[2:]:
        # Inside PKCS#8 the curve named by the outer algorithm wins over the inner one.
        if tag == 0xA0 and curve is None:
            curve = _oid(_expect(value, 0, _OID)[0])
        elif tag == 0xA1:
            point = _bit_string(_expect(value, 0, _BIT_STRING)[0])
    if curve is None or curve not in _EC_CURVES:
        return None
    return _PublicKey("ecdsa", point if point is not None else b"")


def _same_key(public: _PublicKey, private: _PublicKey) -> bool:
    if public.algorithm != "ecdsa" or not isinstance(private.value, bytes):
        return public.value == private.value
    point = private.value
    cert_point = public.value
    assert isinstance(cert_point, bytes)
    if not point:
        return True  # no stored point to compare: see the module docstring
    if point[0] in (2, 3):
        # Compressed form: the X coordinate and the parity of Y.
        size = (len(cert_point) - 1) // 2
        return point[1:] == cert_point[1 : 1 + size] and (point[0] & 1) == (cert_point[-1] & 1)
    return point == cert_point


# ---------------------------------------------------------------------------------------------
# Ed25519 public key from its seed (RFC 8032, section 5.1.5)

_P = 2**255 - 19
_D = -121665 * pow(121666, -1, _P) % _P
_BASE_Y = 4 * pow(5, -1, _P) % _P
_BASE_X = 15112221349535400772501151409588531511454012693041857206046113283949847762202

_Point = tuple[int, int, int, int]  # extended coordinates X, Y, Z, T


def _edwards_add(a: _Point, b: _Point) -> _Point:
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    pa = (y1 - x1) * (y2 - x2) % _P
    pb = (y1 + x1) * (y2 + x2) % _P
    pc = 2 * t1 * t2 * _D % _P
    pd = 2 * z1 * z2 % _P
    e, f, g, h = pb - pa, pd - pc, pd + pc, pb + pa
    return e * f % _P, g * h % _P, f * g % _P, e * h % _P


def _ed25519_public(seed: bytes) -> bytes:
    digest = hashlib.sha512(seed).digest()
    scalar = int.from_bytes(digest[:32], "little")
    scalar &= (1 << 254) - 8
    scalar |= 1 << 254
    result: _Point = (0, 1, 1, 0)
    addend: _Point = (_BASE_X, _BASE_Y, 1, _BASE_X * _BASE_Y % _P)
    while scalar:
        if scalar & 1:
            result = _edwards_add(result, addend)
        addend = _edwards_add(addend, addend)
        scalar >>= 1
    x, y, z, _ = result
    z_inv = pow(z, -1, _P)
    x, y = x * z_inv % _P, y * z_inv % _P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")
