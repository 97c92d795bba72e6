"""Record the real app's answers the conversation actions' tests need (``data/app_answers.json``).

The action tests run in the Rasa environment, where the app cannot run; their fake app
(``fake_app.py``) answers each request with what the real app answered to that very request,
and refuses any request not recorded here (so a test cannot pass on a request the app was
never asked). Run in the app's environment after retrieval, the FAQ or the engine change:

    .venv/bin/python -m tests.actions.record_answers
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data" / "app_answers.json"

# POST /v1/answer: (question, language) as the actions send them.
ANSWERS: list[tuple[str, str]] = [
    ("阿里云安全组怎么开放3306端口", "zh"),
    ("how do I allow port 22 in an aws security group", "en"),
    ("阿里云服务器22端口连不上", "zh"),
    ("从阿里云迁移到腾讯云后22端口连不上", "zh"),
    ("aqz怎么配置", "zh"),
    ("给我讲个笑话吧", "zh"),
    # Follow-ups, in their topic's words (actions/topic.py).
    ("can I clone a security group across regions? what about another account?", "en"),
    ("sg-1a2b3c4d删不掉 回收站里那台怎么办", "zh"),
    ("安全组可以跨账号克隆吗 那跨账号呢", "zh"),
    ("445能用吗 那现在怎么弄", "zh"),
    ("what about aws?", "en"),
    ("规则", "zh"),
]
# GET /v1/faq/{id}/text: the entries the follow-ups fall back on.
FAQ_TEXTS: list[tuple[str, str]] = [
    ("腾讯云不支持哪些端口？", "zh"),
    ("云服务器已经全部退还，为什么安全组无法删除?", "zh"),
]
# GET /v1/ports/{protocol}/{port}.
PORTS: list[tuple[str, int]] = [
    ("tcp", 22),
    ("udp", 22),
    ("tcp", 445),
    ("udp", 445),
    ("tcp", 3389),
    ("udp", 53),
    ("tcp", 53),
]
# POST /v1/diagnose with no case: how the port action reads a named service.
SERVICE_READS: list[tuple[str, str]] = [
    ("ssh 22能用吗", "zh"),
    ("445能用吗", "zh"),
    ("ssh能用吗", "zh"),
    ("can I use port 53 for dns?", "en"),
    ("那 UDP 呢?", "zh"),
    ("远程桌面3389被封了吗", "zh"),
]


def _faq_id(client: Any, question: str) -> str:
    for entry in client.get("/v1/faq").json():
        if entry["question"] == question:
            return str(entry["id"])
    raise LookupError(question)


def main() -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from helpdesk.settings import Settings

    root = Path(tempfile.mkdtemp())
    settings = Settings(index_dir=REPO / "var" / "index", data_dir=root / "data", threads=2)
    recorded: dict[str, list[dict[str, Any]]] = {"answer": [], "faq_text": [], "ports": [], "diagnose": []}
    with TestClient(create_app(settings)) as client:
        for question, language in ANSWERS:
            for top_k in (3, 4):
                body = {"question": question, "top_k": top_k, "language": language}
                recorded["answer"].append({"request": body, "body": client.post("/v1/answer", json=body).json()})
        for question, language in FAQ_TEXTS:
            faq_id = _faq_id(client, question)
            body = client.get(f"/v1/faq/{faq_id}/text", params={"language": language}).json()
            recorded["faq_text"].append({"request": {"id": faq_id, "language": language}, "body": body})
        for protocol, port in PORTS:
            body = client.get(f"/v1/ports/{protocol}/{port}").json()
            recorded["ports"].append({"request": {"protocol": protocol, "port": port}, "body": body})
        for text, language in SERVICE_READS:
            request = {"case": None, "text": text, "language": language}
            recorded["diagnose"].append({"request": request, "body": client.post("/v1/diagnose", json=request).json()})
    DATA.write_text(json.dumps(recorded, ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(DATA.relative_to(REPO))


if __name__ == "__main__":
    main()
