"""Free-form questions answered from the FAQ."""

from __future__ import annotations

from api.deps import BatcherDep, RetrieverDep
from api.metrics import MetricsDep
from api.schemas import AnswerBody, AnswerRequest, AnswerResponse, CandidateBody, DeclinedBody
from api.strict_json import api_router

router = api_router(prefix="/v1", tags=["answers"])


@router.post("/answer", response_model=AnswerResponse, summary="Answer a question from the FAQ")
async def answer(
    body: AnswerRequest, retriever: RetrieverDep, batcher: BatcherDep, metrics: MetricsDep
) -> AnswerResponse:
    """The FAQ entry that answers ``question`` when the service is confident, and the
    best candidates either way. Answers are served exactly as written, with their source.
    A question about another provider's cloud is declined, with ``declined`` saying so."""
    # Embedded with the questions asked at the same moment; not at all when it will be declined unranked.
    vector = None if retriever.declines(body.question) else await batcher.encode(body.question)
    result = retriever.ask(body.question, body.top_k, vector)
    metrics.record_answer(result.confident)
    top = result.answer
    return AnswerResponse(
        confident=result.confident,
        confidence=round(result.confidence, 4),
        answer=AnswerBody(
            id=top.entry.id,
            question=top.entry.question,
            answer=top.entry.answer,
            source_url=top.entry.source_url,
            score=round(top.score, 4),
        )
        if top
        else None,
        candidates=[
            CandidateBody(id=c.entry.id, question=c.entry.question, score=round(c.score, 4)) for c in result.candidates
        ],
        declined=DeclinedBody(
            reason=result.declined.reason, provider=result.declined.provider, matched=result.declined.matched
        )
        if result.declined
        else None,
    )
