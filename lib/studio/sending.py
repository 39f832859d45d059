"""What Compose, Experiments and Batch do and show around a submission, so their pages only lay out widgets.

Every send goes through ``lib.studio.submission`` (via ``connection.submitter``). Compose sends its one
video in the page run; batches and experiments are only recorded here, and the background sender
(``lib.studio.background_sender``, started by ``ensure_sender`` on every connected page run) sends them,
also with every page closed. Where an answer never
came back from a billed backend the studio says **unconfirmed**, that the video may have been created
and billed, and offers *Send again* (behind a checkbox saying it may cost a second video; a new key)
and *Skip*. Widget keys: ``state.unconfirmed_key(kind, action, item)``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from lib.joggai import CreateVideoRequest
from lib.studio import (
    background_sender,
    batch_run,
    experiment_plans,
    experiments,
    lint,
    nav,
    preflight,
    queue_states,
    versions,
)
from lib.studio.backends import backend_label
from lib.studio.batch import Batch, BatchProgress, RowPlan
from lib.studio.compose import display_name
from lib.studio.config import load_config
from lib.studio.connection import (
    Connection,
    attempt,
    batches,
    experiment_store,
    history,
    pronunciations,
    submissions,
    submit_video,
    submitter,
    target_of,
)
from lib.studio.pacing import CLOUD_POSTS_PER_MINUTE, backend_posts_per_minute
from lib.studio.product_visuals import ext_allowed
from lib.studio.state import Keys, request_page, unconfirmed_key
from lib.studio.submission import Origin, OutcomeKind, SubmissionOutcome, unconfirmed_warning

SKIPPED_NOTE = ("Skipped: it will not be sent again. If the backend made it, it is in your JoggAI account "
                "but not in this history.")
SEND_AGAIN_CONFIRMATION = "I understand *Send again* may create, and bill, a second video"


def unconfirmed_controls(kind: str, item: object, backend_label: str, *, on_again: Callable[..., None] | None,
                         on_skip: Callable[..., None] | None, args: tuple = ()) -> None:
    """The unconfirmed warning and its two actions; *Send again* stays disabled until its box is ticked.

    Without callbacks (the backend is not connected) only the warning shows.
    """
    st.warning(unconfirmed_warning(backend_label), icon=":material/help:")
    if on_again is None or on_skip is None:
        return
    confirm_key = unconfirmed_key(kind, "confirm", item)
    confirmed = st.checkbox(SEND_AGAIN_CONFIRMATION, key=confirm_key)
    with st.container(horizontal=True):
        st.button("Send again", key=unconfirmed_key(kind, "again", item), icon=":material/replay:",
                  disabled=not confirmed, on_click=_decided, args=(confirm_key, on_again, args))
        st.button("Skip", key=unconfirmed_key(kind, "skip", item), icon=":material/skip_next:",
                  on_click=_decided, args=(confirm_key, on_skip, args))


def _decided(confirm_key: str, action: Callable[..., None], args: tuple) -> None:
    # The box confirms one decision: a later unconfirmed send of the same row must be confirmed anew.
    st.session_state.pop(confirm_key, None)
    action(*args)


# ---------------------------------------------------------------- Preflight: several billed videos


def preflight_check(connection: Connection, requests: Sequence[CreateVideoRequest],
                    language_of: Mapping[str, str | None]) -> preflight.Preflight:
    """The preflight of sending ``requests`` now; asks whoami and the quota (fresh) only when it is needed."""
    billed = not connection.capabilities.idempotency
    if not (billed and len(requests) > 1):
        return preflight.decide(billed=billed, requests=list(requests), language_of=language_of)
    checked = attempt(connection, lambda client: (client.whoami(), client.remaining_quota()))
    return preflight.decide(billed=True, requests=list(requests), language_of=language_of,
                            remaining=checked.value[1] if checked.ok and checked.value else None,
                            key_problem=checked.problem)


def preflight_box(connection: Connection, requests: Sequence[CreateVideoRequest],
                  language_of: Mapping[str, str | None], *, key: str) -> bool:
    """The preflight on screen: why nothing can go, or the box naming the credits; True when sending may go."""
    check = preflight_check(connection, requests, language_of)
    if not check.needed:
        return True
    if check.blocked:
        st.error(check.blocked, icon=":material/block:")
        return False
    return st.checkbox(check.confirmation, key=key)


def _preflight_refusal(connection: Connection, requests: Sequence[CreateVideoRequest],
                       language_of: Mapping[str, str | None], key: str) -> str | None:
    # Checked again at the send itself: a disabled button is not the only guard.
    return preflight_check(connection, requests, language_of).refusal(bool(st.session_state.get(key)))


# ---------------------------------------------------------------- Compose: one video


def send_composed(connection: Connection, request: CreateVideoRequest, *, avatar_name: str, voice_name: str) -> None:
    """"Create video": send once under the click's key, then open the tracker or say why not."""
    session = st.session_state
    session.setdefault(Keys.SUBMIT_NONCE, uuid.uuid4().hex)
    with st.status("Sending the request…", expanded=True) as status:
        outcome = submit_video(connection, request, idempotency_key=session[Keys.SUBMIT_NONCE],
                               avatar_name=avatar_name, voice_name=voice_name)
        if outcome.accepted:
            status.update(label=f"Queued as {outcome.video_id}", state="complete")
            versions.record_parent(history(connection), connection.backend.backend_id, outcome.video_id)
            _compose_done()
            nav.go_to("jobs", job=outcome.video_id)
        status.update(label=_compose_failure(connection, outcome, session[Keys.SUBMIT_NONCE]), state="error")


def _compose_failure(connection: Connection, outcome: SubmissionOutcome, click: str) -> str:
    if outcome.kind is not OutcomeKind.UNCONFIRMED:
        return f"Not sent: {outcome.reason}"
    if connection.capabilities.idempotency:
        return (f"No answer: {outcome.reason} Press *Create video* again: {connection.backend.label} "
                "recognises the same request key, so it cannot make a second video.")
    st.session_state[Keys.COMPOSE_UNCONFIRMED] = click
    st.session_state[Keys.COMPOSE_NOTICE] = (False, f"No answer to this video's request: {outcome.reason}")
    st.rerun()  # the page shows the unconfirmed click and its actions instead of "Create video"


def _compose_done() -> None:
    st.session_state[Keys.SUBMIT_NONCE] = uuid.uuid4().hex
    st.session_state[Keys.COMPOSE_ATTEMPTED] = False
    st.session_state.pop(Keys.COMPOSE_UNCONFIRMED, None)


def compose_unconfirmed(connection: Connection) -> bool:
    """While a Compose click is unconfirmed: its warning and actions (instead of "Create video"); True if shown."""
    notice = st.session_state.pop(Keys.COMPOSE_NOTICE, None)
    if notice:
        (st.success if notice[0] else st.error)(notice[1])
    if not st.session_state.get(Keys.COMPOSE_UNCONFIRMED):
        return False
    unconfirmed_controls("compose", None, connection.backend.label, on_again=_compose_send_again,
                         on_skip=_compose_skip, args=(connection,))
    return True


def _compose_send_again(connection: Connection) -> None:
    click = st.session_state[Keys.COMPOSE_UNCONFIRMED]
    outcome = submitter(connection).send_again(Origin.compose(click), click)
    if outcome.accepted:
        versions.record_parent(history(connection), connection.backend.backend_id, outcome.video_id)
        _compose_done()
        request_page("jobs", job=outcome.video_id)
    elif not outcome.unconfirmed:
        st.session_state.pop(Keys.COMPOSE_UNCONFIRMED, None)
        st.session_state[Keys.COMPOSE_NOTICE] = (False, f"Not sent: {outcome.reason}")
    else:
        st.session_state[Keys.COMPOSE_NOTICE] = (False, f"Unconfirmed again: {outcome.reason}")


def _compose_skip(connection: Connection) -> None:
    click = st.session_state[Keys.COMPOSE_UNCONFIRMED]
    flow = submitter(connection)
    flow.skip(flow.key_for(Origin.compose(click), click))
    _compose_done()
    st.session_state[Keys.COMPOSE_NOTICE] = (True, SKIPPED_NOTE)


# ---------------------------------------------------------------- Experiments


def planned_variants(request: CreateVideoRequest, avatars: Mapping, voices: Mapping, *,
                     scripts_experiment: bool, presets: Sequence = ()) -> list[experiment_plans.Variant]:
    """The variants Compose's experiment widgets describe (voices × avatars, script variants, the personas or
    languages axis's ``presets`` (see ``lib.studio.experiment_axes``), or product visuals: none unless the
    backend takes them)."""
    values = st.session_state
    if values.get(Keys.W_EXP_AXIS) == "visuals":
        return experiment_plans.plan_visual_variants(
            request, screen_styles=values.get(Keys.W_EXP_VISUAL_STYLES) or [],
            with_and_without_music=bool(values.get(Keys.W_EXP_VISUAL_MUSIC))) if ext_allowed(values) else []
    cast = values.get(Keys.W_EXP_AXIS) == "cast"
    return experiment_plans.plan_variants(
        request, avatars=(values.get(Keys.W_EXP_AVATARS) or []) if cast else [],
        voices=(values.get(Keys.W_EXP_VOICES) or []) if cast else [],
        scripts=experiment_plans.split_scripts(values.get(Keys.W_EXP_SCRIPTS) or "") if scripts_experiment else [],
        presets=presets,
        avatar_names={key: display_name(label) for key, label in avatars.items()},
        voice_names={key: display_name(label) for key, label in voices.items()},
        script_names=values.get(Keys.EXP_SCRIPT_NAMES) or {})


def experiment_caption(variants: Sequence[experiment_plans.Variant], language_of: Mapping[str, str | None], *,
                       cloud: bool) -> str:
    """``"3 video(s): Ava, Guy, Jenny · about 6 credit(s) in all (...)"``."""
    credits = sum(lint.estimate(variant.request.script or "", language_of.get(variant.request.voice_id),
                                cloud=cloud).credits or 0 for variant in variants)
    return (f"{len(variants)} video(s): " + ", ".join(variant.label for variant in variants)
            + (f" · about {credits} credit(s) in all ({lint.CREDIT_ASSUMPTION})" if cloud and credits else ""))


def send_experiment(connection: Connection, request: CreateVideoRequest,
                    variants: Sequence[experiment_plans.Variant], language_of: Mapping[str, str | None]) -> None:
    """"Create experiment": record one queued variant each and wake the sender; opens the comparison.

    On a billed backend nothing is recorded before the preflight passes and its box is ticked.
    """
    session = st.session_state
    refusal = _preflight_refusal(connection, [variant.request for variant in variants], language_of,
                                 Keys.W_EXP_PREFLIGHT)
    if refusal:
        st.error(refusal, icon=":material/block:")
        return
    # One id per click-to-success: a double click records the experiment once.
    experiment_id = session.setdefault(Keys.EXPERIMENT_NONCE, experiments.new_experiment_id())
    experiment_store().create(experiment_id, name=request.video_name or f"Experiment {experiment_id}",
                              backend=connection.backend.backend_id, variants=variants, account=connection.account)
    wake_sender(connection)
    session[Keys.EXPERIMENT_NONCE] = experiments.new_experiment_id()
    session[Keys.COMPOSE_ATTEMPTED] = False
    nav.go_to("experiments", experiment=experiment_id)


def experiment_cells(experiment: experiments.Experiment) -> list[experiments.CompareCell]:
    """The compare grid of a stored experiment, with each variant's job and submission state."""
    return experiments.compare_cells(experiment, experiment_store().variants(experiment.experiment_id),
                                     history().list_jobs(experiment=experiment.experiment_id),
                                     submissions().latest("experiment", experiment.experiment_id))


def variant_unconfirmed(connection: Connection, experiment: experiments.Experiment,
                        cell: experiments.CompareCell) -> None:
    """An unconfirmed variant's warning and actions (actions only while its backend is connected)."""
    live = sends_for(connection, experiment.backend, experiment.account)
    if live and connection.capabilities.idempotency:  # the same key goes again: no second video possible
        st.warning(f"No answer came back for this variant. {connection.backend.label} recognises its request "
                   "key, so sending it again cannot make a second video.", icon=":material/help:")
        st.button("Send again", key=unconfirmed_key("experiment", "again", cell.index), icon=":material/replay:",
                  on_click=_variant_again, args=(connection, experiment.experiment_id, cell.index))
        return
    unconfirmed_controls("experiment", cell.index, connection.backend.label if live else backend_label(experiment.backend),
                         on_again=_variant_again if live else None, on_skip=_variant_skip if live else None,
                         args=(connection, experiment.experiment_id, cell.index))


def _variant_again(connection: Connection, experiment_id: str, index: int) -> None:
    experiments.send_variant_again(experiment_store(), submitter(connection), experiment_id, index)
    wake_sender(connection)


def _variant_skip(connection: Connection, experiment_id: str, index: int) -> None:
    experiments.skip_variant(experiment_store(), submitter(connection), experiment_id, index)


def variant_note(experiment: experiments.Experiment, cell: experiments.CompareCell, *,
                 held: bool = False) -> str | None:
    """Why a variant has not been sent (yet), and what to do about it; None when it was sent. ``held``: the page
    says above why this studio sends nothing of it now (``sender_note``)."""
    if cell.job is not None or cell.queue_state == queue_states.SENT:
        return None
    if cell.queue_state == queue_states.REJECTED:
        return (f"Not sent: {backend_label(experiment.backend)} refused this variant ({cell.error or 'no reason given'}). "
                "Nothing was made or billed. Fix it in Compose and create a new experiment.")
    if cell.queue_state != queue_states.QUEUED:
        return None
    if experiment.state == queue_states.PAUSED and experiment.last_error:  # a breaker: no credit, key rejected
        return (f"Not sent yet: the experiment is paused. {experiment.last_error} Fix the cause, then press "
                "*Resume*: videos already made are not sent again.")
    if experiment.state == queue_states.PAUSED:
        return "Not sent yet: the experiment is paused. Press *Resume* to send it."
    if held:
        return "Not sent yet: see the note above."
    waiting = "Waiting to be sent: the studio sends it in the background, also with this page closed."
    return f"{experiment.last_error} {waiting}" if experiment.last_error else waiting


def set_experiment_running(connection: Connection, experiment_id: str, running: bool) -> None:
    """Pause or resume an experiment (a resume wakes the sender)."""
    experiment_store().set_state(experiment_id, queue_states.RUNNING if running else queue_states.PAUSED)
    if running:
        wake_sender(connection)


# ---------------------------------------------------------------- Batch


def store_batch(connection: Connection, plans: Sequence[RowPlan], *, posts_per_minute: int | None,
                language_of: Mapping[str, str | None]) -> str | None:
    """"Submit": store the checked batch under this click's id (a double click stores it once); its id.

    None (and why, on screen) when the preflight refuses: on a billed backend nothing is stored or sent.
    """
    session = st.session_state
    refusal = _preflight_refusal(connection, [plan.request for plan in plans if plan.valid and plan.request],
                                 language_of, Keys.W_BATCH_PREFLIGHT)
    if refusal:
        st.error(refusal, icon=":material/block:")
        return None
    batch_id = batches().create(plans, backend=connection.backend.backend_id, account=connection.account,
                                name=session.get(Keys.W_BATCH_NAME) or "",
                                batch_id=session.setdefault(Keys.BATCH_NONCE, uuid.uuid4().hex[:12]),
                                posts_per_minute=posts_per_minute)
    session[Keys.BATCH_NONCE] = uuid.uuid4().hex[:12]
    wake_sender(connection)
    return batch_id


def batch_backend_limit(connection: Connection) -> int | None:
    """The POST limit to pace a batch by: the engine's (none) only when it says what it is, else the cloud's."""
    if not connection.capabilities.names:
        return CLOUD_POSTS_PER_MINUTE  # unknown is treated as the cloud: rate-limited
    return backend_posts_per_minute(connection.backend.kind)


def sends_for(connection: Connection, backend_id: str, account: str | None) -> bool:
    """True when this session may act on work of ``backend_id`` started with ``account``'s key: the same
    backend, connected, with the same key (None: work from before accounts were recorded)."""
    return (connection.ok and connection.backend.backend_id == backend_id
            and account in (None, connection.account))


def can_send_batch(connection: Connection, current: Batch) -> bool:
    """True when the batch's own backend is the connected one, with the key the batch was started with."""
    return sends_for(connection, current.backend, current.account)


def batch_progress(current: Batch) -> BatchProgress:
    """Where a stored batch stands (the background sender does the sending), with why it waits or paused."""
    return batches().progress(current.batch_id, wait_until=current.not_before, message=current.last_error)


def set_batch_running(connection: Connection, batch_id: str, running: bool) -> None:
    """Pause or resume a batch (a resume wakes the sender)."""
    batches().set_state(batch_id, queue_states.RUNNING if running else queue_states.PAUSED)
    if running:
        wake_sender(connection)


def batch_unconfirmed_rows(connection: Connection, current: Batch) -> None:
    """Each unconfirmed row with its warning and actions."""
    live = can_send_batch(connection, current)
    for row in batches().rows(current.batch_id):
        if row.state == queue_states.UNCONFIRMED:
            with st.container(border=True, key=unconfirmed_key("batch", "row", row.row_number)):
                st.markdown(f"**Row {row.row_number}** · unconfirmed")
                unconfirmed_controls("batch", row.row_number, connection.backend.label if live else backend_label(current.backend),
                                     on_again=_row_again if live else None, on_skip=_row_skip if live else None,
                                     args=(connection, current.batch_id, row.row_number))


def _row_again(connection: Connection, batch_id: str, row_number: int) -> None:
    batch_run.send_row_again(batches(), submitter(connection), batch_id, row_number)
    wake_sender(connection)


def _row_skip(connection: Connection, batch_id: str, row_number: int) -> None:
    batch_run.skip_row(batches(), submitter(connection), batch_id, row_number)


# ---------------------------------------------------------------- The background sender


def ensure_sender(connection: Connection) -> background_sender.BackgroundSender | None:
    """On every connected page run: the connected backend's one sender, running, with this run's client."""
    if not connection.ok:
        return None
    backend, path = connection.backend, load_config().history_path
    link = background_sender.SenderLink(
        connection.client, target_of(connection), explain=connection.explain,
        backend_limit=batch_backend_limit(connection), account=connection.account)
    return background_sender.ensure_running(path, backend.backend_id, link, lambda: background_sender.SenderStores(
        batches(), experiment_store(), submissions(), history(connection), pronunciations()))


def take_over(connection: Connection, kind: str, item_id: str) -> None:
    """*Send the rest with my key*: a person chose to pay for what is left of a batch or an experiment."""
    (batches() if kind == "batch" else experiment_store()).set_account(item_id, connection.account)
    wake_sender(connection)


def take_over_button(connection: Connection, kind: str, item_id: str, backend_id: str, account: str | None) -> None:
    """The take-over action, drawn only on the work's own backend when its key is not the connected one."""
    if (connection.ok and connection.backend.backend_id == backend_id
            and not sends_for(connection, backend_id, account)):
        st.button("Send the rest with my key", key=Keys.B_TAKE_OVER, icon=":material/key:",
                  help="What is left is sent with the API key of this session and billed to its account.",
                  on_click=take_over, args=(connection, kind, item_id))


def wake_sender(connection: Connection) -> None:
    """Work was recorded: the connected backend's sender looks at once."""
    if sender := ensure_sender(connection):
        sender.wake()


def sender_note(connection: Connection, backend_id: str, account: str | None = None) -> str | None:
    """Why this studio is not sending ``backend_id``'s work now, for the Batch and Experiments pages; None if it is."""
    if not connection.ok:
        return "Sending resumes when the backend is connected again."
    if connection.backend.backend_id != backend_id:
        return f"This belongs to {backend_label(backend_id)}; switch to it in Settings to continue sending."
    sender = background_sender.running_sender(load_config().history_path, backend_id)
    if not sends_for(connection, backend_id, account):
        if sender is not None and sender.connected(account or ""):
            return ("Started with a different API key: the rest goes out with that key, on its account. "
                    "Nothing of it is sent with yours unless you choose *Send the rest with my key*.")
        return ("Started with a different API key, and no session with that key has connected since the studio "
                "started, so nothing of it is sent. It goes out on that key's account once a session enters it "
                "in Settings; or choose *Send the rest with my key*.")
    if sender is not None and sender.status == background_sender.OTHER_PROCESS:
        return ("Another studio process on this data folder is sending for this backend, so this one does not "
                "(two would send twice). It takes over once the other one stops.")
    return None
