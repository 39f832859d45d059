"""What JoggAI's v2 API *is*: codes, limits, enums, webhook events and signatures. No HTTP, no Streamlit.

The engine, the client and the studio all import this module; nothing else writes these numbers.
Sources: ``shared/reference/joggai-openapi-v2.yaml`` (the spec) and ``shared/reference/CONTRACT.md``
(what the spec leaves out). Our own extensions are named in the last section, apart from JoggAI's.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum, IntEnum
from typing import Any

# ---------------------------------------------------------------- envelope and business codes

SUCCESS = 0


class Code(IntEnum):
    """The envelope's non-zero ``code`` values."""

    NOT_FOUND = 10104
    INVALID_API_KEY = 10105
    INSUFFICIENT_CREDIT = 18020
    NO_PERMISSION = 18025
    PARAMETER_ERROR = 40000
    RATE_LIMITED = 429
    SYSTEM_ERROR = 50000


# The HTTP status our engine pairs with each code (the cloud may answer HTTP 200 with any of them).
HTTP_STATUS_FOR_CODE: dict[int, int] = {
    Code.NOT_FOUND: 404,
    Code.INVALID_API_KEY: 401,
    Code.INSUFFICIENT_CREDIT: 402,
    Code.NO_PERMISSION: 403,
    Code.PARAMETER_ERROR: 400,
    Code.RATE_LIMITED: 429,
    Code.SYSTEM_ERROR: 500,
}

# ---------------------------------------------------------------- limits

MAX_SCRIPT_CHARS = 5000
MAX_VIDEO_NAME_CHARS = 200
MAX_AUDIO_BYTES = 20 * 1024 * 1024
MAX_AUDIO_SECONDS = 10 * 60
UPLOAD_LIMITS_BYTES = {"image": 10 * 1024 * 1024, "audio": 20 * 1024 * 1024, "video": 100 * 1024 * 1024}
POSTS_PER_MINUTE = 20  # the cloud's rate limit per key; GETs are not limited
MIN_POLL_INTERVAL_S = 5.0
FIRST_POLL_AFTER_S = 10.0  # JoggAI's guide: first poll after 10-15 s, then back off
STUCK_AFTER_S = 15 * 60  # renders take 2-10 minutes; longer than this is stuck
MAX_WEBHOOK_ENDPOINTS = 20
WEBHOOK_ANSWER_WITHIN_S = 5.0  # a receiver that takes longer is retried
PAGE_SIZE_DEFAULT = 10
PAGE_SIZE_MAX = 100

# ---------------------------------------------------------------- enums

# Requests spell aspect ratios as strings; avatar listings answer the index as an integer.
ASPECT_RATIOS: tuple[str, ...] = ("portrait", "landscape", "square")
SCREEN_STYLES: dict[int, str] = {1: "full screen", 2: "split screen", 3: "picture in picture"}
AVATAR_TYPE_PUBLIC, AVATAR_TYPE_CUSTOM = 0, 1
AVATAR_TYPES = (AVATAR_TYPE_PUBLIC, AVATAR_TYPE_CUSTOM)
VOICE_TYPES = ("script", "audio")
VOICE_AGES = ("young", "middle_aged", "old")
GENDERS = ("female", "male")
# Catalog filters (GET /v2/avatars/public and /v2/avatars/custom).
AVATAR_STYLES = ("professional", "social")
AVATAR_AGES = ("adult", "senior", "young_adult")
AVATAR_SCENES = ("lifestyle", "outdoors", "business", "studio", "health_fitness", "education", "news")
AVATAR_ETHNICITIES = ("european", "african", "south_asian", "east_asian", "middle_eastern", "south_american",
                      "north_american")
CUSTOM_AVATAR_STATUSES = ("processing", "completed", "failed")


class VideoStatus(Enum):
    """Where a render job is; the spec's four states, with the aliases clients have seen from the cloud."""

    PENDING = "pending"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"

    @property
    def is_terminal(self) -> bool:
        """True once the job will not change any more (completed or failed)."""
        return self in (VideoStatus.COMPLETED, VideoStatus.FAILED)

    @classmethod
    def parse(cls, text: str) -> VideoStatus:
        """Read a status as any server spells it; raises ValueError for an unknown one."""
        status = STATUS_ALIASES.get(str(text).strip().lower())
        if status is None:
            raise ValueError(f"unknown video status {text!r}")
        return status


STATUS_ALIASES: dict[str, VideoStatus] = {
    "pending": VideoStatus.PENDING,
    "queued": VideoStatus.PENDING,
    "waiting": VideoStatus.PENDING,
    "processing": VideoStatus.PROCESSING,
    "running": VideoStatus.PROCESSING,
    "rendering": VideoStatus.PROCESSING,
    "in_progress": VideoStatus.PROCESSING,
    "completed": VideoStatus.COMPLETED,
    "complete": VideoStatus.COMPLETED,
    "success": VideoStatus.COMPLETED,
    "succeeded": VideoStatus.COMPLETED,
    "failed": VideoStatus.FAILED,
    "fail": VideoStatus.FAILED,
    "error": VideoStatus.FAILED,
    "cancelled": VideoStatus.FAILED,
    "canceled": VideoStatus.FAILED,
}

# ---------------------------------------------------------------- AI scripts (spec: /v2/ai_scripts)

AI_SCRIPT_LANGUAGES: tuple[str, ...] = (
    "english", "filipino", "french", "german", "hindi", "indonesian", "italian", "japanese", "korean",
    "malay", "portuguese", "russian", "spanish", "thai", "vietnamese", "arabic", "greek", "turkish",
    "slovenian", "croatian", "romanian", "chinese", "bengali", "urdu", "hungarian", "traditional-chinese",
    "polish", "cantonese", "danish", "malayalam", "tamil", "telugu", "czech", "hebrew", "zulu", "swedish",
    "lithuanian", "dutch", "flemish", "norwegian", "finnish", "bulgarian", "latvian", "ukrainian",
    "mongolian", "persian", "odia", "assamese", "kannada", "tagalog", "amharic", "serbian", "slovak",
    "swahili",
)
AI_SCRIPT_LENGTHS: tuple[str, ...] = ("15", "30", "60")
AI_SCRIPT_STYLES: tuple[str, ...] = (
    "Don't Worry", "Storytime", "Discovery", "Data", "Top 3 reasons", "Light marketing",
)
PRODUCT_SOURCE_TYPES: tuple[str, ...] = ("id", "details")
TASK_STATUSES: tuple[str, ...] = ("pending", "processing", "completed", "failed")

# ---------------------------------------------------------------- webhooks

WEBHOOK_EVENT_HEADER = "X-Webhook-Event"
WEBHOOK_SIGNATURE_HEADER = "X-Webhook-Signature"
WEBHOOK_USER_AGENT = "JoggAI-Webhook/2.0"
ENDPOINT_STATUSES = ("enabled", "disabled")
EVENT_AVATAR_VIDEO_SUCCESS = "generated_avatar_video_success"
EVENT_AVATAR_VIDEO_FAILED = "generated_avatar_video_failed"
AVATAR_VIDEO_EVENTS = (EVENT_AVATAR_VIDEO_SUCCESS, EVENT_AVATAR_VIDEO_FAILED)
WEBHOOK_EVENTS: tuple[str, ...] = (
    "generated_video_success", "generated_video_failed",
    "create_avatar_success", "create_avatar_failed",
    "generated_product_video_success", "generated_product_video_failed",
    EVENT_AVATAR_VIDEO_SUCCESS, EVENT_AVATAR_VIDEO_FAILED,
    "generated_template_video_success", "generated_template_video_failed",
    "generated_translate_video_success", "generated_translate_video_failed",
    "generated_photo_avatar_success", "generated_photo_avatar_failed",
    "generated_product_avatar_success", "generated_product_avatar_failed",
    "generated_script_success", "generated_script_failed",
)


class WebhookSignatureError(ValueError):
    """A delivery whose signature is missing or does not match its body (tampered or forged)."""


class WebhookPayloadError(ValueError):
    """A correctly signed delivery whose body is not a JSON object with an ``event``."""


def sign_webhook(body: bytes, secret: str) -> str:
    """The ``X-Webhook-Signature`` value: hex HMAC-SHA256 of the raw body with the endpoint secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_matches(body: bytes, signature: str | None, secret: str | None) -> bool:
    """Constant-time check of a delivery's signature; False when either is missing."""
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign_webhook(body, secret), signature.strip().lower())


def construct_event(body: bytes, signature: str | None, secret: str) -> dict[str, Any]:
    """The delivery's parsed body, only once its signature is proven (as stripe's ``construct_event``).

    Raises WebhookSignatureError before looking at the body, so nothing unsigned is ever parsed.
    """
    if not signature_matches(body, signature, secret):
        raise WebhookSignatureError("bad signature")
    try:
        event = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise WebhookPayloadError("body is not JSON") from exc
    if not isinstance(event, dict) or not isinstance(event.get("event"), str):
        raise WebhookPayloadError("body is not a webhook event")
    return event


def webhook_video_id(data: dict[str, Any]) -> str | None:
    """The video a delivery is about; some older clients read ``project_id`` (our extension) first."""
    value = data.get("video_id") or data.get("project_id")
    return str(value) if value not in (None, "") else None


# ---------------------------------------------------------------- our extensions (not JoggAI's)

IDEMPOTENCY_HEADER = "Idempotency-Key"
EXT_REQUEST_FIELD = "ext"
EXT_ROUTE_PREFIX = "/v2/ext"
HEALTH_PATH = "/healthz"  # no key; the local engine lists its capabilities there
CAPABILITY_IDEMPOTENCY = "idempotency"
CAPABILITY_EXT = "ext"
CAPABILITY_EXT_ROUTES = "ext_routes"

# The request field ``ext`` (local engine only; sent only to a backend whose capabilities list
# CAPABILITY_EXT). Each key is optional; an unknown key or a bad value is a 40000 naming ``ext.<key>``.
EXT_CONTENT_URL = "content_url"  # image or short video: split screen's content panel, PiP's main picture
EXT_BACKGROUND_URL = "background_url"  # image behind the avatar in full screen
EXT_LOGO_URL = "logo_url"  # PNG with alpha, in a corner
EXT_MUSIC_URL = "music_url"  # audio bed: looped or trimmed to the speech, ducked, faded out
EXT_RESOLUTION = "resolution"
EXT_CAPTION_STYLE = "caption_style"
EXT_PRONUNCIATIONS = "pronunciations"  # brand words: [{word, respelling, phonemes?}], below
EXT_URL_FIELDS = (EXT_CONTENT_URL, EXT_BACKGROUND_URL, EXT_LOGO_URL, EXT_MUSIC_URL)
EXT_VISUAL_FIELDS = (*EXT_URL_FIELDS, EXT_RESOLUTION, EXT_CAPTION_STYLE)  # strings; also Batch's columns
EXT_FIELDS = (*EXT_VISUAL_FIELDS, EXT_PRONUNCIATIONS)
MAX_PRONUNCIATIONS = 200  # entries in one request
MAX_PRONUNCIATION_CHARS = 100  # a word, a respelling or a phoneme string
RESOLUTIONS = ("720p", "1080p")
DEFAULT_RESOLUTION = "720p"
# (width, height) of each aspect ratio at each resolution.
FRAME_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "720p": {"portrait": (720, 1280), "landscape": (1280, 720), "square": (720, 720)},
    "1080p": {"portrait": (1080, 1920), "landscape": (1920, 1080), "square": (1080, 1080)},
}
# Named caption presets (size, position, highlight colour are the renderer's; the names are the contract).
CAPTION_STYLES = ("classic", "bold", "minimal", "karaoke")
DEFAULT_CAPTION_STYLE = "classic"
MUSIC_DUCK_MIN_DB = 8.0  # speech stays at least this far above the music bed
# What each ext file may be (checked on the real bytes when the video is created).
EXT_IMAGE_FORMATS = ("PNG", "JPEG", "WEBP")  # Pillow's names
EXT_LOGO_FORMATS = ("PNG",)
MAX_EXT_IMAGE_SIDE = 4096  # pixels, either side
MAX_CONTENT_VIDEO_SECONDS = 60.0  # content_url may be a short video; one still of it is shown

# ---------------------------------------------------------------- brand words (our ext.pronunciations)
# The studio keeps a lexicon (word -> respelling, and optionally espeak-ng phonemes). Where it goes:
#   a backend without ext (the cloud)   the script is sent respelled; its captions show the respelling
#   the local engine (CAPABILITY_EXT)   the script as written, plus ext.pronunciations: the engine speaks the
#                                       phonemes (or the respelling) and its captions keep the written word
# Both sides find words the same way (find_words): whole words only, any case, the longest listed word first.

_WORD, _RESPELLING, _PHONEMES = "word", "respelling", "phonemes"
PRONUNCIATION_FIELDS = (_WORD, _RESPELLING, _PHONEMES)
# espeak-ng's ASCII phoneme mnemonics (kw'Ent@m, h@l'oU): printable ASCII without the brackets that would
# close the engine's [[...]] phoneme block early, and without braces and backslash.
_PHONEME_TEXT = re.compile(r"[A-Za-z0-9 !\"#$%&'()*+,\-./:;<=>?@^_`|~]+")
PHONEME_HINT = "espeak-ng phoneme mnemonics such as kw'Ent@m (printable ASCII, no brackets)"


class PronunciationProblem(ValueError):
    """A broken ``ext.pronunciations``; the message names the field."""


@dataclass(frozen=True)
class Pronunciation:
    """One lexicon row: the word (or phrase) as written and how the voice should say it.

    ``respelling`` works on every backend; ``phonemes`` (espeak-ng mnemonics) only on the local engine,
    where it wins over the respelling.
    """

    word: str
    respelling: str
    phonemes: str = ""

    def as_ext(self) -> dict[str, str]:
        """The entry as ``ext.pronunciations`` carries it (no empty phonemes)."""
        entry = {_WORD: self.word, _RESPELLING: self.respelling}
        if self.phonemes:
            entry[_PHONEMES] = self.phonemes
        return entry


def find_words(text: str, words: Iterable[str]) -> list[tuple[int, int, str]]:
    """``(start, end, word casefolded)`` of every whole-word occurrence of ``words`` in ``text``, left to right.

    Whole words: no letter, digit or underscore right before or after ("Quentum's" matches "Quentum",
    "SubQuentum" does not). Where two listed words could match at one place, the longer one does.
    """
    keys = sorted({word.strip().casefold() for word in words if word and word.strip()}, key=len, reverse=True)
    if not text or not keys:
        return []
    # One named group per word, so a match says which word it is (its text may fold differently).
    pattern = re.compile("|".join(rf"(?P<w{index}>(?<!\w){re.escape(key)}(?!\w))" for index, key in enumerate(keys)),
                         re.IGNORECASE)
    return [(match.start(), match.end(), keys[int(match.lastgroup[1:])]) for match in pattern.finditer(text)]


def pronunciations_used(text: str, entries: Iterable[Pronunciation]) -> list[Pronunciation]:
    """The entries whose word occurs in ``text`` (in lexicon order): what a request needs to carry."""
    entries = list(entries)
    present = {key for _, _, key in find_words(text, [entry.word for entry in entries])}
    return [entry for entry in entries if entry.word.strip().casefold() in present]


def phoneme_problem(phonemes: str) -> str | None:
    """Why ``phonemes`` cannot go into an espeak-ng phoneme block, or None."""
    if len(phonemes) > MAX_PRONUNCIATION_CHARS:
        return f"must be at most {MAX_PRONUNCIATION_CHARS} characters"
    if not _PHONEME_TEXT.fullmatch(phonemes) or not any(char.isalnum() or char in "@&" for char in phonemes):
        return f"must be {PHONEME_HINT}"
    return None


def pronunciations_from_ext(value: Any, name: str = f"{EXT_REQUEST_FIELD}.{EXT_PRONUNCIATIONS}"
                            ) -> list[Pronunciation]:
    """``ext.pronunciations`` checked: a list of ``{word, respelling, phonemes?}``; null means none.

    Raises PronunciationProblem (a ValueError) naming the field (``ext.pronunciations[2].phonemes must be
    ...``); the engine answers it as 40000 and the client lists it among a request's problems.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise PronunciationProblem(f"{name} must be a list of objects with {_WORD}, {_RESPELLING} "
                                   f"and optionally {_PHONEMES}")
    if len(value) > MAX_PRONUNCIATIONS:
        raise PronunciationProblem(f"{name} must have at most {MAX_PRONUNCIATIONS} entries")
    entries: list[Pronunciation] = []
    seen: set[str] = set()
    for index, raw in enumerate(value):
        at = f"{name}[{index}]"
        if not isinstance(raw, dict):
            raise PronunciationProblem(f"{at} must be an object with {_WORD}, {_RESPELLING} and optionally {_PHONEMES}")
        unknown = [key for key in raw if key not in PRONUNCIATION_FIELDS]
        if unknown:
            raise PronunciationProblem(f"{at}.{str(unknown[0])[:40]} is not a known field "
                                       f"(known: {', '.join(PRONUNCIATION_FIELDS)})")
        texts: dict[str, str] = {}
        for key in PRONUNCIATION_FIELDS:
            text = raw.get(key)
            if text is None:
                text = ""
            if not isinstance(text, str):
                raise PronunciationProblem(f"{at}.{key} must be a string")
            text = text.strip()
            if len(text) > MAX_PRONUNCIATION_CHARS:
                raise PronunciationProblem(f"{at}.{key} must be at most {MAX_PRONUNCIATION_CHARS} characters")
            texts[key] = text
        if not texts[_WORD]:
            raise PronunciationProblem(f"{at}.{_WORD} is required")
        if not texts[_RESPELLING] and not texts[_PHONEMES]:
            raise PronunciationProblem(f"{at} needs {_RESPELLING} or {_PHONEMES}: how to say {texts[_WORD][:40]!r}")
        if texts[_PHONEMES] and (problem := phoneme_problem(texts[_PHONEMES])):
            raise PronunciationProblem(f"{at}.{_PHONEMES} {problem}")
        if texts[_WORD].casefold() in seen:
            raise PronunciationProblem(f"{at}.{_WORD} {texts[_WORD][:40]!r} is listed twice")
        seen.add(texts[_WORD].casefold())
        entries.append(Pronunciation(texts[_WORD], texts[_RESPELLING], texts[_PHONEMES]))
    return entries
