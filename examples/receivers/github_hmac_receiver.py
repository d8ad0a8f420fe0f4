# The seed's GitHub receiver, corrected: it verifies X-Hub-Signature-256 on
# the raw bytes with hmac.compare_digest, refuses what it cannot read, caps
# the body, recognises redeliveries and answers before it prints.
#
#   GITHUB_WEBHOOK_SECRET=s3cret PORT=8080 python3 examples/receivers/github_hmac_receiver.py
#   hooklab check http://127.0.0.1:8080/webhook --scheme github --secret s3cret \
#       --state-url http://127.0.0.1:8080/state
#
# Put the same secret in GitHub's webhook settings ("Secret"). Listens on
# 127.0.0.1 only. Needs: pip install fastapi uvicorn
import hashlib
import hmac
import json
import os
import threading

from fastapi import BackgroundTasks, FastAPI, Request
from fastapi.responses import JSONResponse

SECRET = os.environ["GITHUB_WEBHOOK_SECRET"].encode()

# GitHub caps payloads at 25 MB: anything bigger is not from GitHub.
MAX_BODY_BYTES = 25 * 1024 * 1024

app = FastAPI()

# Delivery ids already taken, and how many events were acted on (served at
# GET /state for `hooklab check --state-url`). A real receiver keeps the ids
# in its database, under a unique key, in the same transaction as the work.
lock = threading.Lock()
seen_deliveries: set[str] = set()
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
async def github_webhook(request: Request, background: BackgroundTasks):
    body = await read_body(request)
    if body is None:
        return refuse(413, "body_too_large", "larger than GitHub's 25 MB cap")

    # Verify the bytes exactly as they arrived, before parsing anything.
    # compare_digest takes the same time wherever the strings differ; `==`
    # stops at the first wrong character and leaks how much was right.
    expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
    received = request.headers.get("X-Hub-Signature-256", "")
    if not hmac.compare_digest(expected.encode(), received.encode("latin-1")):
        return refuse(401, "bad_signature", "X-Hub-Signature-256 does not match")

    try:
        data = json.loads(body)
    except ValueError:
        return refuse(400, "malformed_json", "the body is not JSON")
    if not isinstance(data, dict):
        return refuse(400, "malformed_json", "the body is not a JSON object")

    event_type = request.headers.get("X-GitHub-Event", "")
    delivery = request.headers.get("X-GitHub-Delivery", "")
    with lock:
        if delivery and delivery in seen_deliveries:
            # A redelivery: acknowledge it again, do nothing again.
            return {"status": "ok", "event": event_type, "redelivery": True}
        seen_deliveries.add(delivery)

    # Answer now; print after the answer has gone out.
    background.add_task(print_event, event_type, data)
    return {"status": "ok", "event": event_type}


def print_event(event_type: str, data: dict) -> None:
    global processed
    with lock:
        processed += 1
    print("\n--- EVENTO DO GITHUB ---")
    print(f"Tipo de evento: {event_type}")
    print(f"Repositório: {(data.get('repository') or {}).get('full_name')}")
    if event_type == "push":
        print(f"Commit ID: {data.get('after')}")
        print(f"Branch: {str(data.get('ref', '')).split('/')[-1]}")
        print(f"Autor: {(data.get('pusher') or {}).get('name')}")
    elif event_type == "pull_request":
        print(f"Ação do PR: {data.get('action')}")
        print(f"Título do PR: {(data.get('pull_request') or {}).get('title')}")
    elif event_type == "issues":
        print(f"Ação da Issue: {data.get('action')}")
        print(f"Título da Issue: {(data.get('issue') or {}).get('title')}")
    else:
        print("Outro tipo de evento.")


@app.get("/state")
def state():
    with lock:
        return {"processed": processed}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
