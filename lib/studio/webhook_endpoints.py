"""Webhook endpoints on the connected backend, through ``lib.joggai``: the inbox's own registration and
the list / add / update / delete that Settings offers.

The inbox registers an endpoint whose URL carries a random token (``/hooks/<token>``); its signing
secret is kept in the dashboard's database (it signs deliveries, it is not an API key).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lib.joggai import contract
from lib.studio.backend_call import Attempt, attempt
from lib.studio.inbox_store import InboxEndpoint
from lib.studio.sharing import is_loopback_host
from lib.studio.webhook_receiver import WebhookReceiver


def reaches_this_machine(base_url: str) -> bool:
    """The inbox binds 127.0.0.1: only a backend on this machine can deliver to it."""
    return is_loopback_host(urlsplit(base_url).hostname)


def register_inbox(receiver: WebhookReceiver, client: Any, backend: str, base_url: str) -> InboxEndpoint:
    """Make sure ``backend`` delivers avatar-video events to ``receiver``.

    An endpoint registered earlier (known by its id) is re-pointed at the receiver's current port and
    enabled; otherwise a new one is created and its secret stored.
    """
    store = receiver.store
    known = store.endpoint_for(backend)
    existing = None
    if known is not None:
        existing = next((e for e in client.list_webhook_endpoints() if e.endpoint_id == known.endpoint_id), None)
    events = list(contract.AVATAR_VIDEO_EVENTS)
    if known is not None and existing is not None:
        client.update_webhook_endpoint(known.endpoint_id, url=receiver.hook_url(known.token), events=events,
                                       status="enabled")
        registration = InboxEndpoint(known.token, backend, base_url, known.endpoint_id,
                                     existing.secret or known.secret)
    else:
        token = secrets.token_urlsafe(12)
        created = client.add_webhook_endpoint(receiver.hook_url(token), events)
        if not created.secret:
            raise RuntimeError("the backend created the endpoint without a signing secret")
        registration = InboxEndpoint(token, backend, base_url, created.endpoint_id, created.secret)
    store.save_endpoint(registration)
    receiver.mark_registered(backend, base_url)
    return registration


@dataclass(frozen=True)
class EndpointsView:
    """What the Settings page shows: endpoints, subscribable events, or why they could not be read."""

    endpoints: list
    events: list[str]
    problem: str | None = None


def endpoints_view(connection: Any) -> EndpointsView:
    """The connected backend's webhook endpoints and event names."""
    if not connection.ok:
        return EndpointsView([], [], connection.health.message or "No backend is connected.")
    read = attempt(connection, lambda client: EndpointsView(client.list_webhook_endpoints(),
                                                            client.list_webhook_events()))
    return read.value if read.ok else EndpointsView([], [], read.problem)


def _deleted(client: Any, endpoint_id: str | None) -> None:
    client.delete_webhook_endpoint(endpoint_id)


def change_endpoint(connection: Any, action: str, endpoint_id: str | None = None, *, url: str | None = None,
                    events: Iterable[str] | None = None, status: str | None = None) -> Attempt[Any]:
    """``add``, ``update`` or ``delete`` one endpoint; the value is the endpoint (None after a delete).

    A refusal shows the backend's own message: it names the field the person typed (the URL, an event).
    """
    calls = {
        "add": lambda client: client.add_webhook_endpoint((url or "").strip(), list(events or []),
                                                          status or "enabled"),
        "update": lambda client: client.update_webhook_endpoint(endpoint_id, url=(url or "").strip() or None,
                                                                events=None if events is None else list(events),
                                                                status=status),
        "delete": lambda client: _deleted(client, endpoint_id),
    }
    if action not in calls:
        raise ValueError(f"unknown action {action!r}")
    return attempt(connection, calls[action], refusal_as_is=True)
