"""JoggAI v2 HTTP client: talks to the JoggAI cloud and to our local engine through the same code.

    from lib.joggai import JoggAIClient, CreateVideoRequest, VideoStatus, errors

No Streamlit import here: the package works from a plain script. See docs/CLIENT.md.
"""

from lib.joggai import contract, errors
from lib.joggai.ai_script_models import AiScriptRequest, AiScriptTask, GeneratedScript
from lib.joggai.client import DEFAULT_TIMEOUT, DEFAULT_USER_AGENT, JoggAIClient, ProgressCallback
from lib.joggai.models import (
    ASPECT_RATIOS,
    AVATAR_TYPES,
    MAX_SCRIPT_CHARS,
    MAX_VIDEO_NAME_CHARS,
    SCREEN_STYLES,
    Avatar,
    CreateVideoRequest,
    CustomAvatar,
    FieldProblem,
    SpeechPreview,
    UploadedAsset,
    UserInfo,
    VideoJob,
    VideoStatus,
    Voice,
    VoicePage,
    WebhookEndpoint,
)

__all__ = [
    "ASPECT_RATIOS",
    "AVATAR_TYPES",
    "DEFAULT_TIMEOUT",
    "DEFAULT_USER_AGENT",
    "MAX_SCRIPT_CHARS",
    "MAX_VIDEO_NAME_CHARS",
    "SCREEN_STYLES",
    "AiScriptRequest",
    "AiScriptTask",
    "Avatar",
    "CreateVideoRequest",
    "CustomAvatar",
    "FieldProblem",
    "GeneratedScript",
    "JoggAIClient",
    "ProgressCallback",
    "SpeechPreview",
    "UploadedAsset",
    "UserInfo",
    "VideoJob",
    "VideoStatus",
    "Voice",
    "VoicePage",
    "WebhookEndpoint",
    "contract",
    "errors",
]
