"""Drives meterd with boto3, as software in a buyer's account would.

Reads a plan from stdin: {"url", "region", "adminToken", "steps": [...]}. A step is either
{"name", "credentials", "operation": "meter_usage" | "register_usage", "params",
 "validate": bool} (a boto3 call; a "Timestamp" param is epoch seconds) or
{"name", "admin": {"method", "path", "body"}} (a call to meterd's admin API between calls).
Prints one JSON object per step, in order, as a JSON list on stdout:
{"name", "ok": true, "response": {...}} or {"name", "ok": false, "code", "status", "message"}.
"""

import datetime
import json
import sys
import urllib.error
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError


def client_for(plan, credentials, validate, cache):
    key = (credentials["accessKeyId"], validate)
    if key not in cache:
        cache[key] = boto3.session.Session().client(
            "meteringmarketplace",
            endpoint_url=plan["url"],
            region_name=plan["region"],
            aws_access_key_id=credentials["accessKeyId"],
            aws_secret_access_key=credentials["secretAccessKey"],
            aws_session_token=credentials.get("sessionToken"),
            config=Config(retries={"total_max_attempts": 1}, parameter_validation=validate),
        )
    return cache[key]


def to_json(value):
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items() if k != "ResponseMetadata"}
    return value


def call(plan, step, cache):
    client = client_for(plan, step["credentials"], step.get("validate", True), cache)
    params = dict(step["params"])
    if "Timestamp" in params:
        params["Timestamp"] = datetime.datetime.fromtimestamp(
            params["Timestamp"], tz=datetime.timezone.utc
        )
    try:
        response = getattr(client, step["operation"])(**params)
    except ClientError as error:
        return {
            "ok": False,
            "code": error.response["Error"]["Code"],
            "message": error.response["Error"].get("Message", ""),
            "status": error.response["ResponseMetadata"]["HTTPStatusCode"],
        }
    return {
        "ok": True,
        "response": to_json(response),
        "requestId": response["ResponseMetadata"].get("RequestId"),
    }


def admin(plan, step):
    spec = step["admin"]
    body = spec.get("body")
    request = urllib.request.Request(
        plan["url"] + "/admin/v1" + spec["path"],
        method=spec["method"],
        data=None if body is None else json.dumps(body).encode(),
        headers={
            "authorization": "Bearer " + plan["adminToken"],
            **({} if body is None else {"content-type": "application/json"}),
        },
    )
    try:
        with urllib.request.urlopen(request) as response:
            return {"ok": True, "status": response.status}
    except urllib.error.HTTPError as error:
        return {"ok": False, "status": error.code, "message": error.read().decode()}


def main():
    plan = json.load(sys.stdin)
    cache = {}
    results = []
    for step in plan["steps"]:
        result = admin(plan, step) if "admin" in step else call(plan, step, cache)
        results.append({"name": step["name"], **result})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
