"""Request and response bodies of the knowledge and hand-off routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from api.schema_types import JsonFloat, JsonInt, NotBlank
from api.schemas_diagnose import CaseBody

MAX_QUESTION_CHARS = 1000


Language = Literal["zh", "en"]


class AnswerRequest(BaseModel):
    question: NotBlank = Field(
        max_length=MAX_QUESTION_CHARS,
        description=f"The user's question, in Chinese or English: not only white space, at most {MAX_QUESTION_CHARS} "
        "characters",
        examples=["445端口能用吗"],
    )
    top_k: JsonInt = Field(3, ge=1, le=10, description="How many candidates to return (1..10)")
    language: Language | None = Field(
        None,
        description="The language to answer in; default: the question's own (Chinese characters: zh, else en). "
        "English readers get the curated translation, marked as such, with the Chinese original's link",
    )


class EntryTextBody(BaseModel):
    """An FAQ entry's text in the reader's language, and where it stands."""

    id: str
    question: str = Field(description="The question as written: in the source, or in its curated translation")
    answer: str = Field(description="The answer as Markdown, as written: the source's, or its curated translation")
    language: Language = Field(description="The language of question and answer")
    translated_from: Language | None = Field(
        description="Set when question and answer are a curated translation: the source's language"
    )
    original_question: str = Field(description="The question in the source, exactly as written")
    source_url: str = Field(description="The page the source FAQ is a copy of (the original of a translation)")
    international_url: str | None = Field(description="Tencent Cloud International's counterpart page, when verified")
    source_date: str | None = Field(description="When the source's copy was taken (YYYY-MM-DD, sources.yaml)")
    translation_date: str | None = Field(description="When the translation shown was made (YYYY-MM-DD)")


class AnswerBody(EntryTextBody):
    score: float = Field(
        description="The entry's retrieval score: the smooth maximum of its documents' similarities plus 0.1 x the "
        "entry classifier's probability"
    )


class CandidateBody(BaseModel):
    id: str
    question: str = Field(description="In the reader's language when a translation exists")
    score: JsonFloat


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


class TranslationBody(BaseModel):
    """A curated translation of an FAQ entry."""

    language: Language
    question: str
    answer: str
    section: str
    translated: str = Field(description="When it was made (YYYY-MM-DD)")
    method: str = Field(description="How it was made and checked")
    international_url: str | None


class FaqEntryBody(BaseModel):
    id: str
    section: str
    question: str
    answer: str
    source_url: str
    links: list[str]
    alternates: list[str]
    language: Language = Field(description="The language the entry is written in (the source of truth)")
    source_date: str | None = Field(description="When the source's copy was taken (YYYY-MM-DD, sources.yaml)")
    translations: dict[str, TranslationBody] = Field(description="Curated translations by language")


class TranscriptLineBody(BaseModel):
    sender: Literal["user", "bot", "agent"]
    text: str = Field(max_length=20_000)
    timestamp: JsonFloat | None = None


class HandoffRequest(BaseModel):
    conversation_id: str = Field(min_length=1, max_length=200)
    channel: str = Field(min_length=1, max_length=50)
    language: Literal["zh", "en"]
    reason: Literal["user_request", "repeated_failure"]
    transcript: list[TranscriptLineBody] = Field(max_length=500)
    candidates: list[CandidateBody] = Field(default_factory=list, max_length=10)
    case: CaseBody | None = Field(
        None,
        description="The connectivity case being worked (as POST /v1/diagnose returned it): target, evidence, "
        "checks done and the conclusion, so the human starts where the bot stopped",
    )


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
