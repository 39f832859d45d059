"""Every session-state key the dashboard uses, and their initial values.

Pages and tests refer to ``Keys.X``, never to raw strings. Widget keys are listed here too, so tests
can seed them and find the widgets.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib.joggai.contract import (
    AI_SCRIPT_LANGUAGES,
    AI_SCRIPT_LENGTHS,
    DEFAULT_CAPTION_STYLE,
    DEFAULT_RESOLUTION,
)


class Keys:
    """Session-state keys. ``W_`` prefixed ones belong to widgets."""

    # Frame and routing
    ENTRY_RAN = "_entry_ran"  # set by app.py each run, popped by the page guard (see lib.studio.nav)
    BACKEND = "backend"  # local | cloud | custom
    SESSION_API_KEY = "session_api_key"  # typed in Settings; lives only in this session
    CUSTOM_URL = "custom_url"

    # Hand-offs between pages (plain values, not widgets)
    PICKED_AVATAR_ID = "picked_avatar_id"
    PICKED_AVATAR_TYPE = "picked_avatar_type"
    PICKED_VOICE_ID = "picked_voice_id"
    OPEN_AVATAR_ID = "open_avatar_id"  # avatar whose preview is shown on the Avatars page
    UPLOADED_AUDIO_URL = "uploaded_audio_url"
    UPLOADED_AUDIO_NAME = "uploaded_audio_name"
    LAST_SUBMIT_ERROR = "last_submit_error"
    NAV_REQUEST = "nav_request"  # (slug, query params) asked for by a button callback; app.py follows it
    WIDGET_STASH = "_widget_stash"  # widget values carried across the page guard's bounce
    SUBMIT_REQUESTED = "submit_requested"
    HEAR_REQUESTED = "hear_requested"
    COMPOSE_ATTEMPTED = "compose_attempted"  # show rule violations only after the first "Create video"
    SUBMIT_NONCE = "submit_nonce"  # Idempotency-Key of the next submission; renewed after a success
    COMPOSE_UNCONFIRMED = "compose_unconfirmed"  # key of the click whose answer never came (billed backend)
    COMPOSE_NOTICE = "compose_notice"  # (ok, message) after Send again / Skip
    # Unconfirmed submissions: widget keys are UNCONFIRMED_PREFIX_<kind>_<action>[_<item>] (unconfirmed_key)
    UNCONFIRMED_PREFIX = "unconfirmed"

    # Avatars page widgets
    W_AVATAR_SEARCH = "avatar_search"
    W_AVATAR_ASPECT = "avatar_aspect"
    W_AVATAR_STYLE = "avatar_style"
    W_AVATAR_GENDER = "avatar_gender"
    W_AVATAR_AGE = "avatar_age"
    W_AVATAR_SCENE = "avatar_scene"
    W_AVATAR_ETHNICITY = "avatar_ethnicity"
    U_AVATAR_PAGE = "avatar_page"
    B_AVATAR_USE = "avatar_use"
    B_AVATAR_CLOSE = "avatar_close"

    # Voices page widgets
    W_VOICE_SEARCH = "voice_search"
    W_VOICE_LANGUAGE = "voice_language"
    W_VOICE_GENDER = "voice_gender"
    W_VOICE_AGE = "voice_age"
    W_VOICE_USE_CASE = "voice_use_case"
    W_VOICE_TABLE = "voice_table"
    B_VOICE_USE = "voice_use"

    # Compose page widgets
    W_COMPOSE_AVATAR = "compose_avatar"
    W_COMPOSE_VOICE = "compose_voice"
    W_COMPOSE_MODE = "compose_mode"
    W_COMPOSE_SCRIPT = "compose_script"
    U_COMPOSE_AUDIO_FILE = "compose_audio_file"
    W_COMPOSE_AUDIO_URL = "compose_audio_url"
    B_COMPOSE_UPLOAD = "compose_upload"
    B_COMPOSE_HEAR = "compose_hear"
    W_COMPOSE_ASPECT = "compose_aspect"
    W_COMPOSE_SCREEN = "compose_screen"
    W_COMPOSE_CAPTION = "compose_caption"
    W_COMPOSE_NAME = "compose_name"
    W_COMPOSE_WEBHOOK = "compose_webhook"
    B_COMPOSE_SUBMIT = "compose_submit"

    # Draft with AI and versions (issue 12): Compose's draft panel, New version on Jobs and Video
    DRAFTS = "drafts"  # the last draft task's result (script_drafts.DraftResult)
    DRAFT_REQUESTED = "draft_requested"
    DRAFT_CHECK_REQUESTED = "draft_check_requested"
    COMPOSE_FILL = "compose_fill"  # composer widget values handed over at once (New version), applied once
    COMPOSE_PARENT = "compose_parent"  # video id the next "Create video" is a new version of
    W_DRAFT_PRODUCT = "draft_product"
    W_DRAFT_DESCRIPTION = "draft_description"
    W_DRAFT_AUDIENCE = "draft_audience"
    W_DRAFT_LENGTH = "draft_length"
    W_DRAFT_LANGUAGE = "draft_language"
    W_DRAFT_STYLES = "draft_styles"
    B_DRAFT_WRITE = "draft_write"
    B_DRAFT_CHECK = "draft_check"
    B_DRAFT_USE = "draft_use"  # one per card: draft_use_<n>
    W_DRAFT_COMPARE = "draft_compare_picks"  # the card numbers picked for Compare
    B_DRAFT_COMPARE = "draft_compare"
    B_COMPOSE_NOT_A_VERSION = "compose_not_a_version"
    B_NEW_VERSION = "new_version"  # one per video: new_version_<video id>
    W_VIDEO_COMPARE_VERSIONS = "video_compare_versions"
    B_VERSION_OPEN = "version_open"  # one per listed version: version_open_<video id>

    # Jobs page widgets
    W_JOBS_STATUS = "jobs_status"
    W_JOBS_BACKEND = "jobs_backend"
    W_JOBS_SEARCH = "jobs_search"
    W_JOBS_INTERVAL = "jobs_interval"
    W_JOBS_PAUSED = "jobs_paused"
    U_JOBS_AUTOREFRESH = "jobs_autorefresh"
    U_JOBS_PAGE = "jobs_page"
    JOBS_PAGE = "jobs_page_shown"  # the tracker table's page, kept apart from its widget (see pages/jobs.py)

    # Experiments & batch (issue 5): compose's experiment mode, the Experiments and Batch pages
    EXPERIMENT_NONCE = "experiment_nonce"  # id of the next experiment; renewed after a success
    EXPERIMENT_REQUESTED = "experiment_requested"
    EXPERIMENT_ERRORS = "experiment_errors"
    EXPERIMENT_NOTES_OF = "experiment_notes_of"  # which experiment the notes box was filled from
    BATCH_NONCE = "batch_nonce"  # id of the next batch; renewed once it is stored
    BATCH_SUBMIT_REQUESTED = "batch_submit_requested"
    W_COMPOSE_EXPERIMENT = "compose_experiment"
    W_COMPOSE_TARGET = "compose_target_seconds"
    W_EXP_AXIS = "experiment_axis"
    W_EXP_VOICES = "experiment_voices"
    W_EXP_AVATARS = "experiment_avatars"
    W_EXP_SCRIPTS = "experiment_scripts"
    B_EXP_SUBMIT = "experiment_submit"
    W_EXP_PREFLIGHT = "experiment_preflight"  # the box confirming the credits of a billed experiment
    W_EXP_NOTES = "experiment_notes"
    B_EXP_PAUSE = "experiment_pause"
    B_EXP_SAVE_NOTES = "experiment_save_notes"
    U_BATCH_FILE = "batch_file"
    W_BATCH_TEXT = "batch_text"  # the CSV pasted instead of uploaded
    W_BATCH_PACE = "batch_pace"
    W_BATCH_NAME = "batch_name"
    B_BATCH_SUBMIT = "batch_submit"
    W_BATCH_PREFLIGHT = "batch_preflight"  # the box confirming the credits of a billed batch
    B_BATCH_PAUSE = "batch_pause"
    B_TAKE_OVER = "take_over_with_my_key"  # a batch or an experiment started with another key
    B_BATCH_TEMPLATE = "batch_template"
    B_BATCH_RESULTS_CSV = "batch_results_csv"

    # Sharing, favourites & webhooks (issue 5 part 2): Avatars, Voices, Video and Settings pages
    WEBHOOK_NEW_SECRET = "webhook_new_secret"  # (endpoint id, secret): shown once, right after creation
    WEBHOOK_NOTICE = "webhook_notice"  # (ok, message) of the last endpoint or inbox action
    W_AVATAR_FAVOURITES_ONLY = "avatar_favourites_only"
    W_VOICE_FAVOURITES_ONLY = "voice_favourites_only"
    B_VOICE_STAR = "voice_star"
    B_VIDEO_BUNDLE = "video_bundle"
    # The Video page's Finish panel (lib.studio.finish_panel)
    U_FINISH_LOGO = "finish_logo"
    U_FINISH_MUSIC = "finish_music"
    U_FINISH_CARD_IMAGE = "finish_card_image"
    W_FINISH_CORNER = "finish_corner"
    W_FINISH_CARD_TEXT = "finish_card_text"
    W_FINISH_CARD_SECONDS = "finish_card_seconds"
    B_FINISH_MAKE = "finish_make"
    B_FINISH_DOWNLOAD = "finish_download"
    FINISH_UPLOADS = "finish_uploads"  # the files chosen in the Finish panel, kept by the uploaders' callbacks
    FINISH_REQUESTED = "finish_requested"  # raised by Make finished copy's callback
    FINISH_NOTICE = "finish_notice"  # (ok, message) of the last Make finished copy
    W_WEBHOOK_NEW_URL = "webhook_new_url"
    W_WEBHOOK_NEW_EVENTS = "webhook_new_events"
    B_WEBHOOK_ADD = "webhook_add"
    W_WEBHOOK_PICK = "webhook_pick"
    W_WEBHOOK_EDIT_URL = "webhook_edit_url"
    W_WEBHOOK_EDIT_EVENTS = "webhook_edit_events"
    W_WEBHOOK_EDIT_STATUS = "webhook_edit_status"
    B_WEBHOOK_SAVE = "webhook_save"
    B_WEBHOOK_DELETE = "webhook_delete"
    B_INBOX_START = "inbox_start"
    B_INBOX_STOP = "inbox_stop"
    W_INBOX_PICK = "inbox_pick"
    B_INBOX_REPLAY = "inbox_replay"

    # Access beyond loopback and share links (issue 11): the gate, the Video page's Share panel,
    # the share page's review form
    STUDIO_UNLOCKED = "studio_unlocked"  # True once this session gave the right passcode
    PASSCODE_THROTTLE = "passcode_throttle"  # this session's wrong attempts (attempts.AttemptThrottle)
    PASSCODE_NOTICE = "passcode_notice"  # why the last attempt did not unlock
    SHARE_NEW_LINK = "share_new_link"  # (target, url) of the link just created, shown to copy
    REVIEW_LIMIT = "review_limit"  # this session's reviews per minute (attempts.WindowLimit)
    REVIEW_NOTICE = "review_notice"  # (ok, message) of the last approve/comment
    U_PASSCODE = "passcode"
    B_PASSCODE_SUBMIT = "passcode_submit"
    B_LOGIN = "login"
    W_SHARE_EXPIRY = "share_expiry"
    W_SHARE_DOWNLOAD = "share_allow_download"
    B_SHARE_CREATE = "share_create"
    U_REVIEW_NAME = "review_name"
    U_REVIEW_COMMENT = "review_comment"
    B_REVIEW_APPROVE = "review_approve"
    B_REVIEW_SEND = "review_send"

    # Personas, pronunciations and the languages axis (issue 12): Compose, Settings
    PERSONA_NOTICE = "persona_notice"  # (ok, message) after saving, renaming or deleting a persona
    LEXICON_NOTICE = "lexicon_notice"  # (ok, message) after saving the pronunciations
    # A language's script in a languages experiment: TRANSLATION_PREFIX_<voice id> (translation_key)
    TRANSLATION_PREFIX = "experiment_translation"
    EXP_SCRIPT_NAMES = "experiment_script_names"  # script text -> the AI draft style it came as (labels)
    B_EXP_LANGUAGE_DRAFTS = "experiment_language_drafts"  # Draft each language with AI
    LANGUAGE_DRAFTS_REQUESTED = "experiment_language_drafts_requested"
    LANGUAGE_DRAFT_NOTES = "experiment_language_draft_notes"  # why some languages got no draft
    W_COMPOSE_PERSONA = "compose_persona"
    W_PERSONA_NEW_NAME = "persona_new_name"
    B_PERSONA_SAVE = "persona_save"
    W_PERSONA_MANAGE = "persona_manage"
    W_PERSONA_RENAME = "persona_new_name_for"
    B_PERSONA_RENAME = "persona_rename"
    B_PERSONA_DELETE = "persona_delete"
    W_EXP_PERSONAS = "experiment_personas"
    W_EXP_LANGUAGE_VOICES = "experiment_language_voices"
    U_LEXICON_TABLE = "lexicon_table"  # a data editor: its state is edits, which cannot be set back
    B_LEXICON_SAVE = "lexicon_save"
    W_LEXICON_WORD = "lexicon_word"
    W_LEXICON_RESPELLING = "lexicon_respelling"
    W_LEXICON_PHONEMES = "lexicon_phonemes"
    B_LEXICON_ADD = "lexicon_add"

    # Settings page widgets
    W_SETTINGS_BACKEND = "settings_backend"
    U_SETTINGS_KEY = "settings_key"
    W_SETTINGS_URL = "settings_url"
    B_SETTINGS_APPLY = "settings_apply"
    B_SETTINGS_TEST = "settings_test"
    B_SETTINGS_FORGET_KEY = "settings_forget_key"
    B_SETTINGS_RESTART = "settings_restart"
    W_SETTINGS_KEEP_COPIES = "settings_keep_copies"
    W_SETTINGS_COPY_BUDGET = "settings_copy_budget_gb"

    # Product visuals (issue 13): Compose's section for the request field ``ext`` (lib/studio/visuals_panel.py)
    EXT_ALLOWED = "ext_allowed"  # whether the connected backend takes ``ext`` (set each run by the section)
    W_EXT_CONTENT_URL = "ext_content_url"
    W_EXT_BACKGROUND_URL = "ext_background_url"
    W_EXT_LOGO_URL = "ext_logo_url"
    W_EXT_MUSIC_URL = "ext_music_url"
    W_EXT_RESOLUTION = "ext_resolution"
    W_EXT_CAPTION_STYLE = "ext_caption_style"
    U_EXT_CONTENT_FILE = "ext_content_file"
    U_EXT_BACKGROUND_FILE = "ext_background_file"
    U_EXT_LOGO_FILE = "ext_logo_file"
    U_EXT_MUSIC_FILE = "ext_music_file"
    B_EXT_CONTENT_UPLOAD = "ext_content_upload"
    B_EXT_BACKGROUND_UPLOAD = "ext_background_upload"
    B_EXT_LOGO_UPLOAD = "ext_logo_upload"
    B_EXT_MUSIC_UPLOAD = "ext_music_upload"
    W_EXT_SHOW_PREVIEW = "ext_show_preview"  # the still of the layout, redrawn as the choices change
    W_EXP_VISUAL_STYLES = "experiment_visual_styles"  # screen styles to compare with the product visuals
    W_EXP_VISUAL_MUSIC = "experiment_visual_music"  # compare with and without the music bed


# Widgets whose values the page guard carries across its bounce through app.py (see lib.studio.nav):
# every ``W_`` key. ``B_`` keys are buttons (Streamlit refuses to set a button's value) and ``U_`` keys are
# widgets never stashed for another reason (uploaders, pagination, a component, a key or passcode field).
STASHED_WIDGETS = tuple(value for name, value in vars(Keys).items() if name.startswith("W_"))

# Initial values of the compose widgets (they persist for the session: persist_state="session").
COMPOSE_DEFAULTS: dict[str, Any] = {
    Keys.W_COMPOSE_MODE: "script",
    Keys.W_COMPOSE_SCRIPT: "",
    Keys.W_COMPOSE_AUDIO_URL: "",
    Keys.W_COMPOSE_ASPECT: "portrait",
    Keys.W_COMPOSE_SCREEN: 1,
    Keys.W_COMPOSE_CAPTION: False,
    Keys.W_COMPOSE_NAME: "",
    Keys.W_COMPOSE_WEBHOOK: "",
    Keys.W_COMPOSE_EXPERIMENT: False,
    Keys.W_EXP_AXIS: "cast",
    Keys.W_EXP_VOICES: [],
    Keys.W_EXP_AVATARS: [],
    Keys.W_EXP_SCRIPTS: "",
    Keys.W_EXP_PERSONAS: [],
    Keys.W_EXP_LANGUAGE_VOICES: [],
    Keys.W_COMPOSE_TARGET: 0,
    Keys.W_DRAFT_LENGTH: AI_SCRIPT_LENGTHS[1],  # 30 s
    Keys.W_DRAFT_LANGUAGE: AI_SCRIPT_LANGUAGES[0],  # english
    Keys.W_DRAFT_STYLES: [],
    Keys.W_DRAFT_COMPARE: [],
    Keys.W_EXT_CONTENT_URL: "",
    Keys.W_EXT_BACKGROUND_URL: "",
    Keys.W_EXT_LOGO_URL: "",
    Keys.W_EXT_MUSIC_URL: "",
    Keys.W_EXT_RESOLUTION: DEFAULT_RESOLUTION,
    Keys.W_EXT_CAPTION_STYLE: DEFAULT_CAPTION_STYLE,
    Keys.W_EXT_SHOW_PREVIEW: False,
    Keys.W_EXP_VISUAL_STYLES: [],
    Keys.W_EXP_VISUAL_MUSIC: False,
}

INITIAL_STATE: dict[str, Any] = {
    Keys.BACKEND: None,  # None: the configured default (AVATAR_STUDIO_BACKEND)
    Keys.SESSION_API_KEY: None,
    Keys.CUSTOM_URL: None,
    Keys.PICKED_AVATAR_ID: None,
    Keys.PICKED_AVATAR_TYPE: 0,
    Keys.PICKED_VOICE_ID: None,
    Keys.OPEN_AVATAR_ID: None,
    Keys.UPLOADED_AUDIO_URL: None,
    Keys.UPLOADED_AUDIO_NAME: None,
    Keys.LAST_SUBMIT_ERROR: None,
    Keys.COMPOSE_ATTEMPTED: False,
    Keys.W_JOBS_PAUSED: False,
}


def unconfirmed_key(kind: str, action: str, item: object = None) -> str:
    """Widget key of an unconfirmed submission's control: kind compose/batch/experiment, action
    confirm/again/skip, item the row or variant (``unconfirmed_batch_again_3``)."""
    return "_".join(str(part) for part in (Keys.UNCONFIRMED_PREFIX, kind, action, item) if part is not None)


def confirmation_keys(state: Any) -> list[str]:
    """The unconfirmed submissions' confirmation boxes now in ``state`` (stashed across the page guard)."""
    prefix = f"{Keys.UNCONFIRMED_PREFIX}_"
    return [key for key in state if isinstance(key, str) and key.startswith(prefix) and "_confirm" in key]


def translation_key(voice_id: str) -> str:
    """Widget key of one language's script in a languages experiment (``experiment_translation_<voice>``)."""
    return f"{Keys.TRANSLATION_PREFIX}_{voice_id}"


def translation_keys(state: Any) -> list[str]:
    """The languages experiment's script boxes now in ``state`` (stashed across the page guard)."""
    prefix = f"{Keys.TRANSLATION_PREFIX}_"
    return [key for key in state if isinstance(key, str) and key.startswith(prefix)]


def init_state() -> None:
    """Give every non-widget key its initial value once per session."""
    for key, value in INITIAL_STATE.items():
        st.session_state.setdefault(key, value)


def prime_compose_widgets() -> None:
    """Before the composer draws: default values once, then apply avatar/voice picks from other pages.

    A pick is a one-shot hand-off (``PICKED_*``), so the composer's own widget wins afterwards.
    """
    for key, default in COMPOSE_DEFAULTS.items():
        st.session_state.setdefault(key, default)
    # A whole request handed over (New version, lib.studio.versions): every field at once, once.
    st.session_state.update(st.session_state.pop(Keys.COMPOSE_FILL, None) or {})
    if st.session_state.get(Keys.PICKED_AVATAR_ID) is not None:
        st.session_state[Keys.W_COMPOSE_AVATAR] = (int(st.session_state[Keys.PICKED_AVATAR_TYPE] or 0),
                                                   int(st.session_state[Keys.PICKED_AVATAR_ID]))
        st.session_state[Keys.PICKED_AVATAR_ID] = None
    if st.session_state.get(Keys.PICKED_VOICE_ID) is not None:
        st.session_state[Keys.W_COMPOSE_VOICE] = st.session_state[Keys.PICKED_VOICE_ID]
        st.session_state[Keys.PICKED_VOICE_ID] = None


def pick_avatar(avatar_id: int, avatar_type: int = 0) -> None:
    """Hand an avatar to the composer."""
    st.session_state[Keys.PICKED_AVATAR_ID] = int(avatar_id)
    st.session_state[Keys.PICKED_AVATAR_TYPE] = int(avatar_type)


def pick_voice(voice_id: str) -> None:
    """Hand a voice to the composer."""
    st.session_state[Keys.PICKED_VOICE_ID] = voice_id


def request_page(slug: str, **query_params: str) -> None:
    """From a button callback: ask the frame to switch to page ``slug`` on this run."""
    st.session_state[Keys.NAV_REQUEST] = (slug, query_params)


def request_flag(key: str) -> Callable[[], None]:
    """A button callback that raises the one-shot flag ``key`` for the page to act on."""
    return lambda: st.session_state.update({key: True})


def take_flag(key: str) -> bool:
    """Read and clear a one-shot flag raised by ``request_flag``."""
    return bool(st.session_state.pop(key, False))
