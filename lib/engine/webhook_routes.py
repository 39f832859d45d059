"""Webhook endpoint routes: create, list, update, delete (per API key, at most 20) and the event list.

The body rules are in `lib/engine/bodies.py`; sending deliveries is `lib/engine/webhook_delivery.py`.
"""

from __future__ import annotations

import json
import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from lib.engine.answers import (
    Envelope,
    WebhookDeleted,
    WebhookEndpoint,
    WebhookEndpointList,
    WebhookEventList,
)
from lib.engine.auth import Owner
from lib.engine.bodies import EndpointBody, EndpointChanges
from lib.engine.envelope import envelope, not_found, parameter_error
from lib.engine.openapi_doc import documented_body
from lib.engine.request_body import json_body
from lib.engine.runtime import Runtime
from lib.joggai.contract import WEBHOOK_EVENTS

router = APIRouter(tags=["Webhook"])


def endpoint_json(row: Any, username: str) -> dict[str, Any]:
    """An endpoint as JoggAI answers it (its secret included: the owner needs it to verify deliveries)."""
    return {
        "endpoint_id": row["endpoint_id"],
        "url": row["url"],
        "secret": row["secret"],
        "status": row["status"],
        "events": json.loads(row["events_json"]),
        "username": username,
        "created_at": int(row["created_at"]),
    }


@router.post("/endpoint", response_model=Envelope[WebhookEndpoint], openapi_extra=documented_body(EndpointBody))
async def add_endpoint(engine: Runtime, owner: Owner,
                       body: Annotated[EndpointBody, json_body(EndpointBody)]) -> JSONResponse:
    """Register an endpoint; its secret is made here and never changes."""
    limit = engine.settings.max_endpoints_per_key
    endpoint_id = "wh_" + secrets.token_hex(12)
    with engine.db.transaction() as conn:
        count = conn.execute("SELECT COUNT(*) FROM webhook_endpoints WHERE key_id = ?",
                             (owner.key_id,)).fetchone()[0]
        if count >= limit:
            raise parameter_error(f"at most {limit} webhook endpoints per account; delete one first")
        conn.execute(
            "INSERT INTO webhook_endpoints (endpoint_id, key_id, url, secret, status, events_json, created_at,"
            " seq) VALUES (?, ?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_endpoints))",
            (endpoint_id, owner.key_id, body.url, "whsec_" + secrets.token_urlsafe(24), body.status,
             json.dumps(body.events), int(time.time())))
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE endpoint_id = ?", (endpoint_id,)).fetchone()
    return envelope(endpoint_json(row, owner.username))


@router.get("/endpoints", response_model=Envelope[WebhookEndpointList])
async def list_endpoints(engine: Runtime, owner: Owner) -> JSONResponse:
    """The key's endpoints, oldest first."""
    rows = engine.db.conn.execute(
        "SELECT * FROM webhook_endpoints WHERE key_id = ? ORDER BY seq", (owner.key_id,)).fetchall()
    return envelope({"endpoints": [endpoint_json(row, owner.username) for row in rows]})


@router.put("/endpoint/{endpoint_id}", response_model=Envelope[WebhookEndpoint],
            openapi_extra=documented_body(EndpointChanges))
async def update_endpoint(engine: Runtime, endpoint_id: str, owner: Owner,
                          body: Annotated[EndpointChanges, json_body(EndpointChanges)]) -> JSONResponse:
    """Change an endpoint's url, events or status (any subset)."""
    events_json = json.dumps(body.events) if body.events is not None else None
    with engine.db.transaction() as conn:
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE endpoint_id = ? AND key_id = ?",
                           (endpoint_id, owner.key_id)).fetchone()
        if row is None:
            raise not_found(f"webhook endpoint {endpoint_id[:80]!r} not found")
        conn.execute("UPDATE webhook_endpoints SET url = COALESCE(?, url), events_json = COALESCE(?, events_json),"
                     " status = COALESCE(?, status) WHERE endpoint_id = ?",
                     (body.url, events_json, body.status, endpoint_id))
        row = conn.execute("SELECT * FROM webhook_endpoints WHERE endpoint_id = ?", (endpoint_id,)).fetchone()
    return envelope(endpoint_json(row, owner.username))


@router.delete("/endpoint/{endpoint_id}", response_model=Envelope[WebhookDeleted])
async def delete_endpoint(engine: Runtime, endpoint_id: str, owner: Owner) -> JSONResponse:
    """Remove an endpoint (deliveries already queued for it are still sent)."""
    deleted = engine.db.conn.execute(
        "DELETE FROM webhook_endpoints WHERE endpoint_id = ? AND key_id = ?", (endpoint_id, owner.key_id)
    ).rowcount
    if not deleted:
        raise not_found(f"webhook endpoint {endpoint_id[:80]!r} not found")
    return envelope({"message": "webhook deleted"})


@router.get("/events", response_model=Envelope[WebhookEventList])
async def list_events(owner: Owner) -> JSONResponse:
    """Every event name an endpoint may subscribe to."""
    return envelope({"events": list(WEBHOOK_EVENTS)})
