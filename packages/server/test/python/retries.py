"""boto3's retry modes against meterd's injected faults and quotas; prints what it saw as JSON.

Configuration comes as JSON in the METERD_RETRIES environment variable:
{"endpoint", "region", "accessKeyId", "secretAccessKey", "mode", "calls", "productCode",
"userAgent"}. It makes `calls` BatchMeterUsage calls one after another, as fast as the retry
mode lets it, and reports the time of every attempt, its outcome, and each call's attempts.
"""

import datetime
import json
import os
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

config = json.loads(os.environ["METERD_RETRIES"])
client = boto3.client(
    "meteringmarketplace",
    endpoint_url=config["endpoint"],
    region_name=config["region"],
    aws_access_key_id=config["accessKeyId"],
    aws_secret_access_key=config["secretAccessKey"],
    config=Config(
        retries={"max_attempts": config.get("maxAttempts", 3), "mode": config["mode"]},
        user_agent_extra=config["userAgent"],
    ),
)

started = time.monotonic()
attempts = []


def on_send(**_):
    attempts.append(time.monotonic() - started)


client.meta.events.register("before-send.*", on_send)

at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
calls = []
for _ in range(config["calls"]):
    try:
        response = client.batch_meter_usage(
            ProductCode=config["productCode"],
            UsageRecords=[
                {
                    "Timestamp": at,
                    "CustomerAWSAccountId": "222222222222",
                    "Dimension": "requests",
                    "Quantity": 1,
                }
            ],
        )
        calls.append(
            {
                "status": response["Results"][0]["Status"],
                "attempts": response["ResponseMetadata"]["RetryAttempts"] + 1,
            }
        )
    except ClientError as error:
        calls.append(
            {
                "error": error.response["Error"]["Code"],
                "attempts": error.response["ResponseMetadata"].get("RetryAttempts", 0) + 1,
            }
        )

print(json.dumps({"attempts": attempts, "calls": calls}))
