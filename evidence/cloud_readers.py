"""The readers of Tencent Cloud's own formats (security-group rules), most specific first."""

from __future__ import annotations

from evidence.registry import Reader

CLOUD_READERS: tuple[Reader, ...] = ()
