# The seed presentation's GitHub receiver, typed as a student would type it
# from the slides: it checks nothing, so anyone who finds the URL can make it
# print (or, in real code, do) anything. Grade it and watch it fail:
#
#   PORT=8080 python3 examples/receivers/seed_github_receiver.py
#   hooklab check http://127.0.0.1:8080/webhook --scheme github --secret s3cret
#
# Two changes from the slides, both outside the handler: it listens on
# 127.0.0.1 (the slides say 0.0.0.0, every interface) and reads its port from
# PORT, so scripts/check-examples.sh can start it on a free port.
# Needs: pip install fastapi uvicorn
import os

from fastapi import FastAPI, Request

app = FastAPI()


@app.post("/webhook")
async def github_webhook(request: Request):
    # Pega os dados do GitHub
    data = await request.json()
    event_type = request.headers.get("X-GitHub-Event")  # Tipo do evento

    print("\n--- EVENTO DO GITHUB ---")
    print(f"Tipo de evento: {event_type}")
    print(f"Repositório: {data.get('repository', {}).get('full_name')}")

    # Detalhes específicos por tipo de evento
    if event_type == "push":
        print(f"Commit ID: {data.get('after')}")
        print(f"Branch: {data.get('ref').split('/')[-1]}")
        print(f"Autor: {data.get('pusher', {}).get('name')}")

    elif event_type == "pull_request":
        pr_action = data.get("action")  # opened, closed, merged
        pr_title = data.get("pull_request", {}).get("title")
        print(f"Ação do PR: {pr_action}")
        print(f"Título do PR: {pr_title}")

    elif event_type == "issues":
        issue_action = data.get("action")  # opened, closed
        issue_title = data.get("issue", {}).get("title")
        print(f"Ação da Issue: {issue_action}")
        print(f"Título da Issue: {issue_title}")

    else:
        print("Outro tipo de evento. Dados completos:")
        print(data)

    return {"status": "ok", "event": event_type}


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=int(os.environ.get("PORT", "8080")))
