"""Request and response bodies of the knowledge and hand-off routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, field_validator

MAX_QUESTION_CHARS = 1000


class AnswerRequest(BaseModel):
    question: str = Field(description="The user's question, in Chinese or English", examples=["445端口能用吗"])
    top_k: int = Field(3, ge=1, le=10, description="How many candidates to return (1..10)")

    @field_validator("question")
    @classmethod
    def _question_text(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("question must not be empty or only whitespace")
        if len(value) > MAX_QUESTION_CHARS:
            raise ValueError(f"question must be at most {MAX_QUESTION_CHARS} characters, got {len(value)}")
        return value


class AnswerBody(BaseModel):
    id: str
    question: str = Field(description="The FAQ question exactly as written in the source")
    answer: str = Field(description="The FAQ answer as Markdown, exactly as written")
    source_url: str
    score: float = Field(description="Cosine similarity of the best-matching text of this entry")


class CandidateBody(BaseModel):
    id: str
    question: str
    score: float


class DeclinedBody(BaseModel):
    reason: Literal["other_cloud"] = Field(
        description="Why: 'other_cloud' = the question is about another provider's cloud, which this FAQ does not cover"
    )
    provider: str = Field(description="The provider the question named", examples=["AWS"])
    matched: str = Field(description="The words of the question that named it", examples=["ec2"])


class AnswerResponse(BaseModel):
    confident: bool
    confidence: float = Field(description="Calibrated probability that the top candidate answers the question")
    answer: AnswerBody | None = Field(description="The top entry when confident, else null")
    candidates: list[CandidateBody] = Field(description="Best entries, best first ('did you mean')")
    declined: DeclinedBody | None = Field(
        None,
        description="Set when the question was declined without ranking, with the reason (then there are no "
        "candidates); null otherwise",
    )


class FaqEntryBody(BaseModel):
    id: str
    section: str
    question: str
    answer: str
    source_url: str
    links: list[str]
    alternates: list[str]


class TranscriptLineBody(BaseModel):
    sender: Literal["user", "bot", "agent"]
    text: str = Field(max_length=20_000)
    timestamp: float | None = None


class HandoffRequest(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=200)
    channel: str = Field(min_length=1, max_length=50)
    language: Literal["zh", "en"]
    reason: Literal["user_request", "repeated_failure"]
    transcript: list[TranscriptLineBody] = Field(max_length=500)
    candidates: list[CandidateBody] = Field(default_factory=list, max_length=10)


class HandoffResponse(BaseModel):
    id: str
    created_at: str
    conversation_id: str
    channel: str
    language: str
    reason: str
    status: str
    transcript: list[TranscriptLineBody]
    candidates: list[CandidateBody]
