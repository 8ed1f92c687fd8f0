#!/usr/bin/env python3
"""End-to-end checks of jobledger-server over real HTTP on 127.0.0.1 (run by Scripts/ci-server).

  e2e.py --seeds URL --url URL --store DIR --openapi docs/openapi.yaml --token T

--seeds: a server over Fixtures/logs/novita-example alone (seed 003's list, byte for byte).
--url:   a server over DIR, which holds Fixtures/logs/{publication,llama-stack,bluesight} and a
         damaged log broken.jsonl, and no NuPIC session yet.
Checks: the seed examples byte for byte; 16 concurrent progress checks -> one publication; every
status code docs/openapi.yaml documents, each produced by a real request (a failing store by
moving its directory away at the end); no error body shows the store's path; the SSE route.
Prints 'N passed, M failed' and exits 1 on any failure.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

import yaml

PASSED = 0
FAILED = []
PRODUCED = set()  # (METHOD, template, status)



def check(condition, message):
    global PASSED
    if condition:
        PASSED += 1
    else:
        FAILED.append(message)
        print("FAIL: " + message, file=sys.stderr)


def call(base, method, path, template, body=None, headers=None, raw_body=None):
    data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers or {})
    if data is not None and "Content-Type" not in (headers or {}):
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, reply_headers, payload = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, reply_headers, payload = error.code, error.headers, error.read()
    PRODUCED.add((method, template, status))
    return status, reply_headers, payload


def expect(base, method, path, template, status, store=None, **kwargs):
    got, headers, payload = call(base, method, path, template, **kwargs)
    check(got == status, f"{method} {path}: status {got}, expected {status}: {payload[:300]!r}")
    if got >= 400:
        check(headers.get("JobLedger-Error-Code") is not None, f"{method} {path}: no JobLedger-Error-Code header")
        if store:
            check(store.encode() not in payload and b".jsonl" not in payload, f"{method} {path}: the body shows a path: {payload!r}")
    return headers, payload


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--openapi", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--jobledger", required=True, help="the jobledger CLI, to append what a trainer reports")
    args = parser.parse_args()
    seeds, url, store = args.seeds, args.url, os.path.realpath(args.store)
    auth = {"Authorization": "Bearer " + args.token}

    # Seed 003: the list response, byte for byte (the seed's example, compact JSON).
    novita = ('{"tasks":[{"task_name":"test_01","task_id":"a0c4cc90-0296-4972-a1d8-e6e227daf094","task_type":"subject",'
              '"task_status":"SUCCESS","created_at":1699325415,"models":[{"model_name":"model_1699325939_E83A88DAC5.safetensors",'
              '"model_status":"SERVING"}]},{"task_name":"test_02","task_id":"51e9bf41-8f7a-464d-b5ad-2fa217a1ec93","task_type":"subject",'
              '"task_status":"SUCCESS","created_at":1699267268,"models":[{"model_name":"model_1699267603_27F0D9C81C.safetensors",'
              '"model_status":"SERVING"}]},{"task_name":"test_03","task_id":"7bd205ab-63e9-452b-9a66-39c597000eaa","task_type":"subject",'
              '"task_status":"FAILED","created_at":1699264338,"models":[]}],"pagination":{"next_cursor":"c_10"}}')
    _, payload = expect(seeds, "GET", "/v3/training?pagination.limit=10&pagination.cursor=c_0", "/v3/training", 200, headers=auth)
    check(payload == novita.encode(), f"Novita list differs from seed 003: {payload!r}")

    # Seed 000: the expected response (the seed's example, compact JSON), on both paths.
    sestek = b'{"percent":100,"trainingStatus":"Completed","inferenceStatus":"Running"}'
    progress = "/sestekai-api/api/external/trainings/{modelId}/progress"
    deprecated = "/sestekai-api/api/app/external-trainings/{modelId}/progress"
    headers, payload = expect(url, "GET", progress.replace("{modelId}", "sestek-example"), progress, 200, headers=auth)
    check(payload == sestek, f"Sestek answer differs from seed 000: {payload!r}")
    check(headers.get("Deprecation") is None, "the current Sestek path says it is deprecated")
    headers, payload = expect(url, "GET", deprecated.replace("{modelId}", "sestek-example"), deprecated, 200, headers=auth)
    check(payload == sestek, f"deprecated Sestek answer differs: {payload!r}")
    check(headers.get("Deprecation") == "@1735689600", f"Deprecation header: {headers.get('Deprecation')}")
    check(headers.get("Link") == '</sestekai-api/api/external/trainings/sestek-example/progress>; rel="successor-version"',
          f"Link header: {headers.get('Link')}")
    for template in (progress, deprecated):
        headers, _ = expect(url, "GET", template.replace("{modelId}", "sestek-example"), template, 401)
        check(headers.get("WWW-Authenticate") == "Bearer", "401 without WWW-Authenticate: Bearer")
        expect(url, "GET", template.replace("{modelId}", "sestek-example"), template, 401, headers={"Authorization": "Bearer wrong"})
        expect(url, "GET", template.replace("{modelId}", "nobody"), template, 404, store, headers=auth)
        expect(url, "GET", template.replace("{modelId}", ".hidden"), template, 400, store, headers=auth)
        expect(url, "GET", template.replace("{modelId}", "broken"), template, 500, store, headers=auth)
        expect(url, "GET", template.replace("{modelId}", "sestek-example"), template, 413, store, headers=auth, raw_body=b"x" * 70000)
        expect(url, "GET", template.replace("{modelId}", "sestek-example"), template, 431, store,
               headers=dict(auth, **{"X-Padding": "p" * 20000}))

    # The publication rule: 16 concurrent checks of a completed API job -> exactly one publicationStarted.
    path = progress.replace("{modelId}", "awaiting-check")
    with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: call(url, "GET", path, progress, headers=auth), range(16)))
    check(all(status == 200 for status, _, _ in answers), "a concurrent check failed")
    check(all(payload == b'{"percent":100,"trainingStatus":"Completed","inferenceStatus":"Pending"}' for _, _, payload in answers),
          f"concurrent checks answered {set(p for _, _, p in answers)}")
    with open(os.path.join(store, "awaiting-check.jsonl")) as log:
        started = [line for line in log if '"type":"publicationStarted"' in line]
    check(len(started) == 1 and '"trigger":"progressCheck"' in started[0], f"{len(started)} publicationStarted lines after 16 checks")

    # Seed 002.
    llama = "/v1/post-training/job/status"
    _, payload = expect(url, "GET", llama + "?job_uuid=llama-finetune", llama, 200)
    body = json.loads(payload)
    check(body["job_uuid"] == "llama-finetune" and body["status"] in ("completed", "in_progress", "failed", "scheduled", "cancelled"),
          f"llama-stack answer: {body}")
    for query, status in (("", 400), ("?job_uuid=", 400), ("?job_uuid=a%2Fb", 400), ("?job_uuid=nobody", 404), ("?job_uuid=broken", 500)):
        _, payload = expect(url, "GET", llama + query, llama, status, store)
        error = json.loads(payload)
        check(sorted(error) == ["detail", "status", "title"] and error["status"] == status, f"llama-stack Error object: {error}")
    expect(url, "GET", llama + "?job_uuid=llama-finetune", llama, 413, store, raw_body=b"x" * 70000)
    expect(url, "GET", llama + "?job_uuid=llama-finetune", llama, 431, store, headers={"X-Padding": "p" * 20000})

    # Seed 003's errors (on the main server: the damaged log is listed as UNKNOWN, still 200).
    novita_path = "/v3/training"
    _, payload = expect(url, "GET", novita_path + "?pagination.limit=100", novita_path, 200, headers=auth)
    check(b'"task_status":"UNKNOWN"' in payload and store.encode() not in payload, "the damaged log is not UNKNOWN in the list")
    for query in ("?pagination.limit=0", "?pagination.limit=101", "?pagination.limit=x", "?pagination.cursor=page-2"):
        expect(url, "GET", novita_path + query, novita_path, 400, store, headers=auth)
    expect(url, "GET", novita_path, novita_path, 401)
    expect(url, "GET", novita_path, novita_path, 413, store, headers=auth, raw_body=b"x" * 70000)
    expect(url, "GET", novita_path, novita_path, 431, store, headers=dict(auth, **{"X-Padding": "p" * 20000}))

    # Seed 004.
    jobs = "/training/jobs"
    _, payload = expect(url, "POST", jobs, jobs, 200, body={"task": "classification", "training_file": "file-1", "hyperparameters": {"epochs": 2}})
    created = json.loads(payload)
    check(created["status"] == "initializing" and created["hyperparameters"] == {"epochs": 2}, f"Bluesight job: {created}")
    _, polled = expect(url, "GET", "/training/jobs/" + created["id"], "/training/jobs/{id}", 200)
    check(polled == payload, "GET /training/jobs/{id} differs from the POST answer")
    for bad in ({"training_file": "f"}, {"task": "x", "training_file": "f"}, {"task": "classification"}, {"task": "classification", "training_file": "f", "n_epochs": 3}):
        expect(url, "POST", jobs, jobs, 400, store, body=bad)
    for raw in (b"", b"not json", b"[]", b'{"task":'):
        expect(url, "POST", jobs, jobs, 400, store, raw_body=raw)
    expect(url, "POST", jobs, jobs, 413, store, raw_body=b'{"task":"classification","training_file":"' + b"f" * 70000 + b'"}')
    expect(url, "POST", jobs, jobs, 431, store, body={"task": "classification", "training_file": "f"}, headers={"X-Padding": "p" * 20000})
    job = "/training/jobs/{id}"
    expect(url, "GET", "/training/jobs/nobody", job, 404, store)
    expect(url, "GET", "/training/jobs/.x", job, 400, store)
    expect(url, "GET", "/training/jobs/broken", job, 500, store)
    expect(url, "GET", "/training/jobs/nobody", job, 413, store, raw_body=b"x" * 70000)
    expect(url, "GET", "/training/jobs/nobody", job, 431, store, headers={"X-Padding": "p" * 20000})

    # Seed 001: a session's life; each refusal with its documented status.
    def nupic(method, path, template, status, **kwargs):
        headers, payload = expect(url, method, path, template, status, store, **kwargs)
        if status >= 400:
            detail = json.loads(payload)["detail"]
            check(isinstance(detail, list) if status == 422 else isinstance(detail, str), f"{path}: FastAPI shape: {payload!r}")
        return json.loads(payload) if payload else None

    keyed = ["/parameters/{key}", "/preprocess/{key}", "/training/start/{key}", "/training/stop/{key}", "/monitor/{key}",
             "/upload_dataset/{key}", "/model_ready/{key}", "/download_model/{key}", "/download_results/{key}",
             "/import_model/{key}", "/get_imported_model/{key}"]
    posts = {"/parameters/{key}", "/preprocess/{key}", "/training/start/{key}", "/training/stop/{key}", "/upload_dataset/{key}", "/import_model/{key}"}
    for path in ("/status", "/preprocess_status", "/import_status", "/parameters"):
        nupic("GET", path, path, 404)
    for template in keyed:  # no session yet
        method = "POST" if template in posts else "GET"
        nupic(method, template.replace("{key}", "nupic-0000000000000000") + "?model_type=a&model_name=b", template, 404,
              body={"train_file": "a", "test_file": "b"} if "upload" in template else ({} if method == "POST" else None))
    check(nupic("GET", "/healthcheck", "/healthcheck", 200) == {"healthcheck": "ok"}, "healthcheck without a session")
    nupic("GET", "/start_session?force_restart=x", "/start_session", 422)
    key = nupic("GET", "/start_session", "/start_session", 200)["key"]
    nupic("GET", "/start_session", "/start_session", 409)
    for template in keyed:
        method = "POST" if template in posts else "GET"
        nupic(method, template.replace("{key}", "nupic-0000000000000000") + "?model_type=a&model_name=b", template, 403,
              body={"train_file": "a", "test_file": "b"} if "upload" in template else ({} if method == "POST" else None))
        nupic(method, template.replace("{key}", "bad%20key") + "?model_type=a&model_name=b", template, 422,
              body={} if method == "POST" else None)
        expect(url, method, template.replace("{key}", key), template, 413, store, raw_body=b"x" * 70000)
        expect(url, method, template.replace("{key}", key), template, 431, store, headers={"X-Padding": "p" * 20000})
    for path in ("/status", "/preprocess_status", "/import_status", "/parameters", "/healthcheck", "/start_session"):
        expect(url, "GET", path, path, 413, store, raw_body=b"x" * 70000)
        expect(url, "GET", path, path, 431, store, headers={"X-Padding": "p" * 20000})
    k = lambda template, session=None: template.replace("{key}", session or key)

    def report(session, *event):
        """What the trainer reports, appended by another process (the CLI) to the same store."""
        result = subprocess.run([args.jobledger, "append", store, session, *event], capture_output=True, text=True)
        check(result.returncode == 0, f"jobledger append {event}: {result.stderr}")

    nupic("POST", k("/parameters/{key}"), "/parameters/{key}", 422, body={"epochs": "three"})
    check(nupic("POST", k("/parameters/{key}"), "/parameters/{key}", 200, body={"epochs": 3})["config"] == {"epochs": 3}, "config")
    nupic("GET", "/parameters", "/parameters", 200)
    nupic("POST", k("/preprocess/{key}"), "/preprocess/{key}", 409)
    nupic("POST", k("/training/start/{key}"), "/training/start/{key}", 409)
    nupic("POST", k("/training/stop/{key}"), "/training/stop/{key}", 409)
    nupic("GET", k("/download_model/{key}"), "/download_model/{key}", 409)
    nupic("GET", k("/download_results/{key}"), "/download_results/{key}", 409)
    nupic("GET", k("/get_imported_model/{key}"), "/get_imported_model/{key}", 409)
    nupic("POST", k("/import_model/{key}") + "?model_type=a&model_name=b", "/import_model/{key}", 409)
    nupic("POST", k("/import_model/{key}") + "?model_type=a", "/import_model/{key}", 422)
    nupic("POST", k("/upload_dataset/{key}"), "/upload_dataset/{key}", 422, body={"train_file": "train.csv"})
    nupic("POST", k("/upload_dataset/{key}"), "/upload_dataset/{key}", 200, body={"train_file": "train.csv", "test_file": "test.csv"})
    nupic("POST", k("/upload_dataset/{key}"), "/upload_dataset/{key}", 409, body={"train_file": "train.csv", "test_file": "test.csv"})
    check(nupic("POST", k("/preprocess/{key}"), "/preprocess/{key}", 200)["state"] == "preprocessing", "preprocess")
    nupic("POST", k("/parameters/{key}"), "/parameters/{key}", 409, body={"epochs": 4})
    for path in ("/status", "/preprocess_status", "/import_status"):
        nupic("GET", path, path, 200)
    report(key, "dataProcessed")
    check(nupic("POST", k("/training/start/{key}"), "/training/start/{key}", 200)["state"] == "training", "training started")
    report(key, "progressed", "percent=40", "epoch=1")
    report(key, "checkpointSaved", "identifier=ck-1", "epoch=1", "path=/ck/1")
    monitor = nupic("GET", k("/monitor/{key}"), "/monitor/{key}", 200)
    check(monitor["percent"] == 40 and monitor["last_checkpoint"]["identifier"] == "ck-1", f"monitor: {monitor}")
    nupic("POST", k("/training/stop/{key}") + "?force_restart=x", "/training/stop/{key}", 422)
    check(nupic("POST", k("/training/stop/{key}"), "/training/stop/{key}", 200)["state"] == "stopped", "stopped")
    # A stopped session is not active: a new one starts without force_restart.
    second = nupic("GET", "/start_session", "/start_session", 200)["key"]
    nupic("POST", k("/parameters/{key}"), "/parameters/{key}", 403, body={"epochs": 4})
    nupic("POST", k("/upload_dataset/{key}", second), "/upload_dataset/{key}", 200, body={"train_file": "a", "test_file": "b"})
    nupic("POST", k("/preprocess/{key}", second), "/preprocess/{key}", 200)
    report(second, "dataProcessed")
    nupic("POST", k("/training/start/{key}", second), "/training/start/{key}", 200)
    report(second, "checkpointSaved", "identifier=ck-9", "epoch=2", "path=/ck/9")
    report(second, "trainingFinished")
    report(second, "completed", "model=model-9")
    check(nupic("GET", k("/model_ready/{key}", second), "/model_ready/{key}", 200)["model_ready"] is True, "model ready")
    check(nupic("GET", k("/download_model/{key}", second), "/download_model/{key}", 200) == {"model_name": "model-9"}, "model")
    check(len(nupic("GET", k("/download_results/{key}", second), "/download_results/{key}", 200)["results"]) == 1, "results")
    nupic("GET", k("/get_imported_model/{key}", second) + "?on_disk=maybe", "/get_imported_model/{key}", 422)
    nupic("POST", k("/import_model/{key}", second) + "?model_type=bert&model_name=m", "/import_model/{key}", 200)
    report(second, "modelImported")
    imported = nupic("GET", k("/get_imported_model/{key}", second) + "?on_disk=1", "/get_imported_model/{key}", 200)
    check(imported == {"model_type": "bert", "model_name": "m", "on_disk": True, "tokenizer": False}, f"imported: {imported}")
    nupic("GET", "/start_session", "/start_session", 409)
    nupic("GET", "/start_session?force_restart=1", "/start_session", 200)
    # A damaged session log: the server's 500 names the job and the code, never the file.
    current = nupic("GET", "/parameters", "/parameters", 200)["key"]
    with open(os.path.join(store, current + ".jsonl"), "a") as log:
        log.write("not json\n")
    for path in ("/status", "/preprocess_status", "/import_status", "/parameters", "/healthcheck", "/start_session"):
        nupic("GET", path, path, 500)
    for template in keyed:
        method = "POST" if template in posts else "GET"
        query = "?model_type=a&model_name=b" if "import_model" in template else ""
        nupic(method, template.replace("{key}", current) + query, template, 500,
              body={"train_file": "a", "test_file": "b"} if "upload" in template else ({"epochs": 1} if "parameters" in template else None))

    # Server-Sent Events (the example's own route): history after Last-Event-ID, then live frames.
    def frames(job, last_event_id, count, token=args.token):
        connection = http.client.HTTPConnection(url.split("//")[1], timeout=30)
        connection.request("GET", f"/jobs/{job}/progress/events",
                           headers={"Authorization": "Bearer " + token, "Last-Event-ID": str(last_event_id)})
        response = connection.getresponse()
        if response.status != 200:
            connection.close()
            return response.status, []
        check(response.getheader("Content-Type") == "text/event-stream", "SSE content type")
        got, frame = [], []
        while len(got) < count:
            line = response.readline().decode()
            if line == "\n":
                if frame:  # a heartbeat comment alone makes no frame
                    got.append(dict(part.split(": ", 1) for part in frame))
                frame = []
            elif not line.startswith(":"):
                frame.append(line.rstrip("\n"))
        connection.close()
        return 200, got

    with open(os.path.join(store, "awaiting-check.jsonl")) as log:
        last = sum(1 for _ in log)
    status, history = frames("awaiting-check", last - 2, 2)
    check(status == 200 and [f["id"] for f in history] == [str(last - 1), str(last)], f"SSE history after Last-Event-ID: {history}")
    check(json.loads(history[-1]["data"])["sestek"]["inferenceStatus"] == "Pending", f"SSE frame: {history[-1]}")
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        live = pool.submit(frames, "awaiting-check", last, 1)
        time.sleep(0.5)  # the stream is open and past history; the frame comes once the CLI appends
        report("awaiting-check", "published")
        status, frame = live.result(timeout=30)
    check(status == 200 and frame and frame[0]["id"] == str(last + 1) and frame[0]["event"] == "progress", f"SSE live frame: {frame}")
    check(frame and json.loads(frame[0]["data"])["sestek"] == {"percent": 100, "trainingStatus": "Completed", "inferenceStatus": "Running"},
          f"SSE live data: {frame}")
    check(frames("awaiting-check", 0, 1, token="wrong")[0] == 401, "SSE without the token")

    # A store that can no longer be read or written (its directory gone): 500, no path, then back.
    os.rename(store, store + ".gone")
    try:
        expect(url, "GET", novita_path, novita_path, 500, store, headers=auth)
        expect(url, "POST", jobs, jobs, 500, store, body={"task": "classification", "training_file": "f"})
    finally:
        os.rename(store + ".gone", store)

    # Every documented status was produced by some request above.
    document = yaml.safe_load(open(args.openapi))
    for template, operations in document["paths"].items():
        for method, operation in operations.items():
            for status in operation["responses"]:
                key = (method.upper(), template, int(status))
                check(key in PRODUCED, f"documented but never produced: {method.upper()} {template} {status}")
    undocumented = {p for p in PRODUCED
                    if str(p[2]) not in document["paths"].get(p[1], {}).get(p[0].lower(), {}).get("responses", {})}
    check(not undocumented, f"produced but not documented: {sorted(undocumented)}")

    print(f"e2e: {PASSED} passed, {len(FAILED)} failed")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
