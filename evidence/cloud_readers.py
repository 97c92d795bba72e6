"""The readers of Tencent Cloud's own formats (security-group rules), most specific first.

JSON comes first: its ``looks_like`` needs a quoted security-group field name, which no
table has, while a JSON paste may well contain ``TCP:22``-like strings in remarks.
"""

from __future__ import annotations

from evidence import sg_console, sg_json
from evidence.registry import Reader

CLOUD_READERS: tuple[Reader, ...] = (
    Reader(format="tencent_json", looks_like=sg_json.looks_like, read=sg_json.read),
    Reader(format="console_table", looks_like=sg_console.looks_like, read=sg_console.read),
)
