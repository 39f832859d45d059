"""Product visuals (``ext``) in the studio: widget values to ``ext``, its checks, the request only carrying it
where the backend takes it, the submission path taking it off elsewhere, batch columns, the visuals axis."""

from __future__ import annotations

from pathlib import Path

import pytest

from lib.joggai import JoggAIClient, contract
from lib.studio import batch, compose, experiment_plans, product_visuals
from lib.studio.history import JobHistory
from lib.studio.state import Keys
from lib.studio.submission import Origin, SubmissionStore, Submitter, Target

CONTENT = "http://127.0.0.1:9/v2/upload/asset/abc/product.png"
MUSIC = "http://127.0.0.1:9/v2/upload/asset/def/bed.mp3"


@pytest.fixture(scope="module")
def catalog(engine_client: JoggAIClient) -> tuple[list, list]:
    """The engine's avatars and voices, and a row's worth of ids from them."""
    return engine_client.all_public_avatars(), engine_client.all_voices()


def row(catalog, script: str, **visuals: str) -> dict:
    avatars, voices = catalog
    return {"script": script, "avatar_id": str(avatars[0].id), "voice_id": voices[0].voice_id, **visuals}


def composer_values(**ext_widgets) -> dict:
    return {Keys.W_COMPOSE_AVATAR: (0, 81), Keys.W_COMPOSE_VOICE: "en-US-ChristopherNeural",
            Keys.W_COMPOSE_MODE: "script", Keys.W_COMPOSE_SCRIPT: "Meet the product.",
            Keys.W_COMPOSE_SCREEN: 2, **ext_widgets}


def test_nothing_chosen_or_defaults_only_is_no_ext() -> None:
    assert product_visuals.ext_from_values({}) == {}
    assert product_visuals.ext_from_values({Keys.W_EXT_RESOLUTION: contract.DEFAULT_RESOLUTION,
                                            Keys.W_EXT_CAPTION_STYLE: contract.DEFAULT_CAPTION_STYLE,
                                            Keys.W_EXT_LOGO_URL: "  "}) == {}


def test_chosen_values_become_ext_keys() -> None:
    ext = product_visuals.ext_from_values({Keys.W_EXT_CONTENT_URL: f" {CONTENT} ", Keys.W_EXT_MUSIC_URL: MUSIC,
                                           Keys.W_EXT_RESOLUTION: "1080p", Keys.W_EXT_CAPTION_STYLE: "bold"})
    assert ext == {contract.EXT_CONTENT_URL: CONTENT, contract.EXT_MUSIC_URL: MUSIC,
                   contract.EXT_RESOLUTION: "1080p", contract.EXT_CAPTION_STYLE: "bold"}


def test_only_the_backends_own_files_are_fetched_for_the_preview() -> None:
    assert product_visuals.on_backend(CONTENT, "http://127.0.0.1:9")
    assert not product_visuals.on_backend(CONTENT, "http://127.0.0.1:10")
    assert not product_visuals.on_backend("https://example.org/p.png", "http://127.0.0.1:9")


def test_without_the_capability_the_request_has_no_ext() -> None:
    values = composer_values(**{Keys.W_EXT_CONTENT_URL: CONTENT, Keys.EXT_ALLOWED: False})
    assert contract.EXT_REQUEST_FIELD not in compose.request_from_widgets(values).to_payload()


def test_with_the_capability_the_request_carries_the_chosen_ext() -> None:
    values = composer_values(**{Keys.W_EXT_CONTENT_URL: CONTENT, Keys.W_EXT_RESOLUTION: "1080p",
                                Keys.EXT_ALLOWED: True})
    payload = compose.request_from_widgets(values).to_payload()
    assert payload[contract.EXT_REQUEST_FIELD] == {contract.EXT_CONTENT_URL: CONTENT, contract.EXT_RESOLUTION: "1080p"}
    assert contract.EXT_REQUEST_FIELD not in compose.request_from_widgets(
        composer_values(**{Keys.EXT_ALLOWED: True})).to_payload()  # nothing chosen: no ext at all


def test_a_bad_visual_is_shown_in_the_visuals_section_and_blocks_sending() -> None:
    values = composer_values(**{Keys.W_EXT_BACKGROUND_URL: "file:///tmp/bg.png", Keys.W_EXT_RESOLUTION: "4k",
                                Keys.EXT_ALLOWED: True})
    problems = compose.problems_by_widget(compose.request_from_widgets(values))
    assert list(problems) == ["visuals"]
    assert [message.split()[0] for message in problems["visuals"]] == ["ext.background_url", "ext.resolution"]


class RecordingClient:
    """Answers every create with a new id and keeps the body it would have sent."""

    def __init__(self) -> None:
        self.bodies: list[dict] = []

    def create_avatar_video(self, request, *, idempotency_key=None) -> str:
        self.bodies.append(request.to_payload())
        return f"v{len(self.bodies)}"


def test_the_submission_path_takes_ext_off_for_a_backend_without_it(tmp_path: Path) -> None:
    request = compose.request_from_widgets(composer_values(**{Keys.W_EXT_CONTENT_URL: CONTENT,
                                                              Keys.EXT_ALLOWED: True}))
    assert request.ext
    history = JobHistory(tmp_path / "history.sqlite3")
    sent = {}
    for name, target in {"cloud": Target("cloud", "https://api.jogg.ai"),
                         "local": Target("local", "http://127.0.0.1:9", idempotent=True, ext=True)}.items():
        client = RecordingClient()
        outcome = Submitter(SubmissionStore(history.path), history, client, target).submit(
            request, key=f"k-{name}", origin=Origin.compose(f"k-{name}"))
        assert outcome.accepted
        sent[name] = client.bodies
    assert [contract.EXT_REQUEST_FIELD in body for body in sent["cloud"]] == [False]
    assert sent["local"][0][contract.EXT_REQUEST_FIELD] == {contract.EXT_CONTENT_URL: CONTENT}
    # What the history keeps for the cloud is what was sent.
    assert contract.EXT_REQUEST_FIELD not in history.get("cloud", "v1").request


def test_batch_rows_with_visual_columns_are_refused_for_the_cloud_naming_them(catalog) -> None:
    rows = [row(catalog, "One."), row(catalog, "Two.", content_url=CONTENT, music_url=MUSIC)]
    plans = batch.validate_rows(rows, *catalog, ext_allowed=False)
    assert plans[0].valid and not plans[1].valid
    assert plans[1].errors == ("content_url, music_url: this backend takes no product visuals (local engine only)",)
    refusal = batch.ext_refusal(rows, ext_allowed=False)
    assert "content_url, music_url" in refusal
    assert batch.ext_refusal(rows, ext_allowed=True) is None and batch.ext_refusal(rows[:1], False) is None


def test_batch_visual_columns_are_checked_per_row_and_sent_as_ext(catalog) -> None:
    rows = [row(catalog, "One.", content_url=CONTENT, resolution="1080p", caption_style="karaoke"),
            row(catalog, "Two.", resolution="4k"), row(catalog, "Three.", logo_url="ftp://x/logo.png")]
    good, bad_resolution, bad_logo = batch.validate_rows(rows, *catalog, ext_allowed=True)
    assert good.valid and good.request.to_payload()[contract.EXT_REQUEST_FIELD] == {
        contract.EXT_CONTENT_URL: CONTENT, contract.EXT_RESOLUTION: "1080p", contract.EXT_CAPTION_STYLE: "karaoke"}
    assert bad_resolution.errors == ("resolution must be 720p or 1080p",)
    assert len(bad_logo.errors) == 1 and bad_logo.errors[0].startswith("logo_url must be http(s)")


def test_visuals_axis_compares_screen_styles_with_and_without_music() -> None:
    base = compose.request_from_widgets(composer_values(**{Keys.W_EXT_CONTENT_URL: CONTENT,
                                                           Keys.W_EXT_MUSIC_URL: MUSIC, Keys.EXT_ALLOWED: True,
                                                           Keys.W_COMPOSE_NAME: "Launch"}))
    variants = experiment_plans.plan_visual_variants(base, screen_styles=[2, 3], with_and_without_music=True)
    assert [v.label for v in variants] == ["Split screen · with music", "Split screen · without music",
                                           "Picture in picture · with music", "Picture in picture · without music"]
    payloads = [v.request.to_payload() for v in variants]
    assert [p["screen_style"] for p in payloads] == [2, 2, 3, 3]
    assert [contract.EXT_MUSIC_URL in p[contract.EXT_REQUEST_FIELD] for p in payloads] == [True, False, True, False]
    assert all(p[contract.EXT_REQUEST_FIELD][contract.EXT_CONTENT_URL] == CONTENT for p in payloads)
    assert payloads[1]["video_name"] == "Launch — Split screen · without music"
    assert experiment_plans.plan_problems(variants) == []
    assert "visuals" in experiment_plans.AXES and {"cast", "scripts"} <= set(experiment_plans.AXES)


def test_visuals_axis_without_a_choice_is_one_variant_and_refused() -> None:
    base = compose.request_from_widgets(composer_values(**{Keys.W_EXT_CONTENT_URL: CONTENT, Keys.EXT_ALLOWED: True}))
    variants = experiment_plans.plan_visual_variants(base, screen_styles=[2], with_and_without_music=True)  # no music
    assert len(variants) == 1
    assert any("at least two" in problem for problem in experiment_plans.plan_problems(variants))


def test_widget_values_describe_an_ext_and_round_trip() -> None:
    ext = {contract.EXT_CONTENT_URL: CONTENT, contract.EXT_RESOLUTION: "1080p"}
    values = product_visuals.widget_values(ext)
    assert values[Keys.W_EXT_CONTENT_URL] == CONTENT and values[Keys.W_EXT_LOGO_URL] == ""
    assert values[Keys.W_EXT_CAPTION_STYLE] == contract.DEFAULT_CAPTION_STYLE
    assert product_visuals.ext_from_values(values) == ext
