"""The preflight's estimate and decision: billed and several videos only; short quota or a bad key sends nothing."""

from __future__ import annotations

from lib.joggai import CreateVideoRequest
from lib.studio import preflight

ENGLISH = {"v": "english"}


def video(words: int) -> CreateVideoRequest:
    return CreateVideoRequest(avatar_id=1, voice_id="v", script=" ".join(["word"] * words))


def test_the_estimate_is_one_credit_per_video_per_started_minute() -> None:
    assert preflight.estimated_credits([video(5)], ENGLISH) == 1  # a few seconds still start a minute
    assert preflight.estimated_credits([video(5), video(200)], ENGLISH) == 1 + 2  # 200 words: ~77 s
    assert preflight.estimated_credits([], ENGLISH) == 0


def test_no_preflight_for_the_engine_or_a_single_video() -> None:
    for billed, count in ((False, 5), (True, 1)):
        check = preflight.decide(billed=billed, requests=[video(5)] * count, language_of=ENGLISH, remaining=0)
        assert not check.needed
        assert check.refusal(confirmed=False) is None


def test_enough_quota_needs_the_confirmation_naming_the_credits() -> None:
    check = preflight.decide(billed=True, requests=[video(5)] * 5, language_of=ENGLISH, remaining=493)
    assert check.needed and not check.short and check.blocked is None
    assert check.confirmation.startswith("Send 5 videos, about 5 credits; 493 left")
    assert check.refusal(confirmed=False) is not None
    assert check.refusal(confirmed=True) is None


def test_a_short_quota_refuses_even_when_confirmed() -> None:
    check = preflight.decide(billed=True, requests=[video(5)] * 7, language_of=ENGLISH, remaining=5)
    assert check.short
    assert "needs about 7 credits, 5 left" in check.refusal(confirmed=True)


def test_exactly_enough_quota_is_not_short() -> None:
    check = preflight.decide(billed=True, requests=[video(5)] * 3, language_of=ENGLISH, remaining=3)
    assert not check.short and check.refusal(confirmed=True) is None


def test_a_rejected_key_or_an_unknown_quota_refuses() -> None:
    bad_key = preflight.decide(billed=True, requests=[video(5)] * 2, language_of=ENGLISH,
                               key_problem="The backend rejected the API key.")
    assert "rejected the API key" in bad_key.refusal(confirmed=True)
    unknown = preflight.decide(billed=True, requests=[video(5)] * 2, language_of=ENGLISH)
    assert unknown.refusal(confirmed=True) is not None
