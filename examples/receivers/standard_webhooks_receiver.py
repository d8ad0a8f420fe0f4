# A Standard Webhooks receiver done right, verifying with the `standardwebhooks`
# package (the spec's reference library): signature on the raw bytes, a
# timestamp no more than 5 minutes off, any of several signatures (a secret
# rotation), deduplication on webhook-id, a capped body, and an answer before
# the work. It receives hooklab's payment events (payment.approved, ...).
#
#   WEBHOOK_SECRET=whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw PORT=8080 \
#       python3 examples/receivers/standard_webhooks_receiver.py
#   hooklab check http://127.0.0.1:8080/webhook --secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw \
#       --state-url http://127.0.0.1:8080/state --max-body 1048576
#
# Listens on 127.0.0.1 only. Needs: pip install fastapi uvicorn "standardwebhooks>=1.1"
import json
import os
import threading

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

webhook = Webhook(os.environ["WEBHOOK_SECRET"])

# Payment events are small; 1 MiB is generous.
MAX_BODY_BYTES = 1024 * 1024

app = FastAPI()

# webhook-ids already taken, and how many events were acted on (served at
# GET /state for `hooklab check --state-url`). A real receiver keeps the ids
# in its database, under a unique key, in the same transaction as the work.
lock = threading.Lock()
seen_ids: set[str] = set()
processed = 0


def refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def read_body(request: Request) -> bytes | None:
    """The raw body, or None if it is over the cap (checked as it arrives)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return None
    return bytes(body)


@app.post("/webhook")
async def receive(request: Request, background: BackgroundTasks):
    body = await read_body(request)
    if body is None:
        return refuse(413, "body_too_large", f"larger than {MAX_BODY_BYTES} bytes")

    # Verify the raw bytes, before parsing. verify() checks the headers are
    # there, the timestamp is within 5 minutes, and that one of the v1
    # signatures matches, in constant time. A malformed header raises
    # ValueError rather than WebhookVerificationError: both are refusals.
    try:
        webhook.verify(body, dict(request.headers), json_parse=False)
    except (WebhookVerificationError, ValueError) as error:
        return refuse(401, "bad_signature", str(error))

    try:
        event = json.loads(body)
    except ValueError:
        return refuse(400, "invalid_json", "the body is not JSON")
    if not isinstance(event, dict):
        return refuse(400, "invalid_json", "the body is not a JSON object")

    message_id = request.headers["webhook-id"]
    with lock:
        if message_id in seen_ids:
            # A redelivery: acknowledge it again, do nothing again.
            return {"received": True, "redelivery": True}
        seen_ids.add(message_id)

    # Answer now; do the work after the answer has gone out.
    background.add_task(process, event)
    return {"received": True}


def process(event: dict) -> None:
    global processed
    with lock:
        processed += 1
    kind = event.get("type")
    data = event.get("data") or {}
    if kind in ("payment.approved", "payment.declined"):
        print(f"order {data.get('order_id')}: payment {data.get('status')}")
    else:
        # Senders add event types over time: acknowledge, and ignore.
        print(f"ignoring an event of type {kind}")


@app.get("/state")
def state():
    with lock:
        return {"processed": processed}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
