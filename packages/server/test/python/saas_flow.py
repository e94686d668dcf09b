"""A SaaS seller's metering flow with boto3 against meterd; prints what it saw as JSON.

Configuration comes as JSON in the METERD_FLOW environment variable:
{"endpoint", "region", "accessKeyId", "secretAccessKey", "registrationToken"}.
"""

import datetime
import json
import os

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

config = json.loads(os.environ["METERD_FLOW"])
client = boto3.client(
    "meteringmarketplace",
    endpoint_url=config["endpoint"],
    region_name=config["region"],
    aws_access_key_id=config["accessKeyId"],
    aws_secret_access_key=config["secretAccessKey"],
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)

now = datetime.datetime.now(datetime.timezone.utc)
hour = now.replace(minute=0, second=0, microsecond=0) - datetime.timedelta(hours=2)


def record(customer="222222222222", quantity=3, at=hour, dimension="requests"):
    return {
        "Timestamp": at,
        "CustomerAWSAccountId": customer,
        "Dimension": dimension,
        "Quantity": quantity,
    }


def results(response):
    return [
        {
            "status": r["Status"],
            "meteringRecordId": r.get("MeteringRecordId"),
            "quantity": r["UsageRecord"].get("Quantity"),
            "timestamp": r["UsageRecord"]["Timestamp"].timestamp(),
        }
        for r in response["Results"]
    ]


def error(call, modeled=None):
    try:
        call()
    except ClientError as e:
        return {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"].get("Message"),
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "requestId": e.response["ResponseMetadata"].get("RequestId"),
            "modeled": modeled is not None and isinstance(e, modeled),
        }
    return None


out = {}
first = client.batch_meter_usage(ProductCode="acme-saas", UsageRecords=[record()])
out["batch"] = {
    "results": results(first),
    "unprocessed": first["UnprocessedRecords"],
    "requestId": first["ResponseMetadata"]["RequestId"],
    "status": first["ResponseMetadata"]["HTTPStatusCode"],
}
again = client.batch_meter_usage(
    ProductCode="acme-saas",
    UsageRecords=[
        record(),
        record(at=hour + datetime.timedelta(minutes=10)),
        record(quantity=4, at=hour + datetime.timedelta(minutes=20)),
    ],
)
out["dedupe"] = results(again)
unsubscribed = client.batch_meter_usage(
    ProductCode="acme-saas",
    UsageRecords=[record(customer="999999999999"), record(customer="444444444444")],
)
out["notSubscribed"] = results(unsubscribed)

resolved = client.resolve_customer(RegistrationToken=config["registrationToken"])
out["resolve"] = {
    key: resolved.get(key)
    for key in ("CustomerIdentifier", "CustomerAWSAccountId", "ProductCode", "LicenseArn")
}
out["invalidToken"] = error(
    lambda: client.resolve_customer(RegistrationToken="no-such-token"),
    client.exceptions.InvalidTokenException,
)
# botocore checks minimums but not maximums: the 26th record is the server's to refuse.
out["validation"] = error(
    lambda: client.batch_meter_usage(
        ProductCode="acme-saas",
        UsageRecords=[record(dimension="storage_gb") for _ in range(26)],
    )
)
out["invalidProduct"] = error(
    lambda: client.batch_meter_usage(ProductCode="initech-saas", UsageRecords=[record()]),
    client.exceptions.InvalidProductCodeException,
)
out["timestamp"] = error(
    lambda: client.batch_meter_usage(
        ProductCode="acme-saas",
        UsageRecords=[record(at=now - datetime.timedelta(hours=7))],
    ),
    client.exceptions.TimestampOutOfBoundsException,
)

print(json.dumps(out))
