"""AWS calls for the console's overview, made with boto3; prints what was sent as JSON.

Configuration comes as JSON in the METERD_FLOW environment variable:
{"endpoint", "region", "accessKeyId", "secretAccessKey", "customer"}. Two BatchMeterUsage calls
of three records each (one customer, a dimension per call, an hour
per record) are accepted; one call naming an unknown product is refused.
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

hour = datetime.datetime.now(datetime.timezone.utc).replace(
    minute=0, second=0, microsecond=0
) - datetime.timedelta(hours=1)
calls = records = errors = 0
for batch in range(2):
    usage = [
        {
            "Timestamp": hour - datetime.timedelta(hours=i),
            "CustomerAWSAccountId": config["customer"],
            "Dimension": ["requests", "storage_gb"][batch],
            "Quantity": 2 + i,
        }
        for i in range(3)
    ]
    answer = client.batch_meter_usage(UsageRecords=usage, ProductCode="acme-saas")
    calls += 1
    records += sum(1 for r in answer["Results"] if r["Status"] == "Success")
try:
    client.batch_meter_usage(UsageRecords=usage, ProductCode="no-such-product")
except ClientError as error:
    calls += 1
    errors += 1
    code = error.response["Error"]["Code"]
print(json.dumps({"calls": calls, "records": records, "errors": errors, "errorCode": code}))
