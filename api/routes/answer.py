"""Free-form questions answered from the FAQ, in the reader's language."""

from __future__ import annotations

from api.deps import BatcherDep, KnowledgeDep, RetrieverDep
from api.metrics import MetricsDep
from api.routes.faq import text_fields
from api.schemas import AnswerBody, AnswerRequest, AnswerResponse, CandidateBody, DeclinedBody
from api.strict_json import api_router
from contract.language import reply_language
from knowledge import entry_view

router = api_router(prefix="/v1", tags=["answers"])


@router.post("/answer", response_model=AnswerResponse, summary="Answer a question from the FAQ")
async def answer(
    body: AnswerRequest, retriever: RetrieverDep, kb: KnowledgeDep, batcher: BatcherDep, metrics: MetricsDep
) -> AnswerResponse:
    """The FAQ entry that answers ``question`` when the service is confident, and the
    best candidates either way, in the reader's language (``language``, else the question's):
    the source as written, or its curated translation marked as such with the original's link.
    A question about another provider's cloud is declined, with ``declined`` saying so."""
    language = body.language or reply_language(body.question)
    # Embedded with the questions asked at the same moment; not at all when it will be declined unranked.
    vector = None if retriever.declines(body.question) else await batcher.encode(body.question)
    result = retriever.ask(body.question, body.top_k, vector)
    metrics.record_answer(result.confident)
    top = result.answer
    hit = None
    if top is not None:
        hit = AnswerBody.model_validate(
            {**text_fields(entry_view(kb, top.entry, language)), "score": round(top.score, 4)}
        )
    return AnswerResponse(
        confident=result.confident,
        confidence=round(result.confidence, 4),
        answer=hit,
        candidates=[
            CandidateBody(id=c.entry.id, question=entry_view(kb, c.entry, language).question, score=round(c.score, 4))
            for c in result.candidates
        ],
        declined=DeclinedBody(
            reason=result.declined.reason, provider=result.declined.provider, matched=result.declined.matched
        )
        if result.declined
        else None,
    )
