"""WeCom's callback protocol: the signature, the AES encryption and the XML of a callback.

https://developer.work.weixin.qq.com/document/path/90968 (加解密方案). Errors are
``CallbackError``s carrying the HTTP status the channel answers with.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import struct
import xml.etree.ElementTree as ET

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


class CallbackError(Exception):
    """A callback that must be refused; ``status`` is its HTTP status."""

    status = 400


class SignatureError(CallbackError):
    status = 403


class DecryptError(CallbackError):
    pass


class ReceiveIdError(CallbackError):
    status = 403


class MalformedError(CallbackError):
    pass


class WeComCrypto:
    """WeCom's callback encryption (AES-256-CBC, IV = key[:16], PKCS#7 to 32-byte blocks).

    Plaintext layout: 16 random bytes, the message length (4 bytes, big-endian), the
    message, the receive id (the corp id for an app's callbacks).
    """

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError) as e:
            raise ValueError("the EncodingAESKey is not base64; copy the 43 characters WeCom shows") from e
        if len(encoding_aes_key) != 43 or len(key) != 32:
            raise ValueError(f"the EncodingAESKey has {len(encoding_aes_key)} characters; WeCom's has 43")
        self._token = token
        self._key = key
        self._receive_id = receive_id.encode()

    def signature(self, timestamp: str, nonce: str, encrypted: str) -> str:
        """SHA1 over the sorted, concatenated token, timestamp, nonce and ciphertext."""
        return hashlib.sha1("".join(sorted([self._token, timestamp, nonce, encrypted])).encode()).hexdigest()

    def verify(self, signature: str, timestamp: str, nonce: str, encrypted: str) -> None:
        if not hmac.compare_digest(self.signature(timestamp, nonce, encrypted), signature.lower()):
            raise SignatureError("msg_signature does not match (check WECOM_TOKEN)")

    def _cipher(self) -> Cipher[modes.CBC]:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def decrypt(self, encrypted: str) -> str:
        """The message inside ``encrypted``, after checking it was meant for this receive id."""
        try:
            data = base64.b64decode(encrypted, validate=True)
            if not data or len(data) % 32:
                raise ValueError("not a whole number of 32-byte blocks")
            decryptor = self._cipher().decryptor()
            unpadder = padding.PKCS7(256).unpadder()
            plain = unpadder.update(decryptor.update(data) + decryptor.finalize()) + unpadder.finalize()
            (length,) = struct.unpack(">I", plain[16:20])
            if len(plain) < 20 + length:
                raise ValueError("the length field runs past the end")
            message, receive_id = plain[20 : 20 + length], plain[20 + length :]
            text = message.decode("utf-8")
        except (binascii.Error, ValueError, struct.error) as e:  # UnicodeDecodeError is a ValueError
            raise DecryptError(f"cannot decrypt the message ({e}); check WECOM_ENCODING_AES_KEY") from e
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise ReceiveIdError(f"message for receive id {receive_id[:64]!r}, not this corp (WECOM_CORP_ID)")
        return text

    def encrypt(self, message: str) -> str:
        """Encrypt ``message`` as WeCom does (for passive replies and for tests)."""
        raw = message.encode()
        padder = padding.PKCS7(256).padder()
        padded = (
            padder.update(os.urandom(16) + struct.pack(">I", len(raw)) + raw + self._receive_id) + padder.finalize()
        )
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode()


_CDATA = re.compile(r"<!\[CDATA\[.*?\]\]>", re.DOTALL)


def parse_xml(text: str) -> dict[str, str]:
    """The children of a flat ``<xml>`` document; refuses DTDs (WeCom never sends them).

    What a user writes arrives in CDATA sections and may hold ``<!`` ("<!channel>", an HTML
    comment in a pasted config): only markup outside them is checked.
    """
    if "<!" in _CDATA.sub("", text):
        raise MalformedError("XML with a DTD or comment is refused")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        raise MalformedError(f"malformed XML: {e}") from e
    if root.tag != "xml":
        raise MalformedError(f"root element is <{root.tag}>, not <xml>")
    return {child.tag: child.text or "" for child in root}
