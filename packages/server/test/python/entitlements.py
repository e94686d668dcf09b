"""GetEntitlements with boto3's marketplace-entitlement client against meterd, in the protocol
asked for; prints what it saw as JSON.

Configuration comes as JSON in the METERD_ENTITLEMENTS environment variable:
{"endpoint", "region", "accessKeyId", "secretAccessKey", "protocol", "modelDir"}. The protocol
is forced by loading the service's own model from botocore with its `protocols` list cut to the
one asked for, from `modelDir` ahead of botocore's data.
"""

import gzip
import json
import os

import botocore
import botocore.session
from botocore.config import Config
from botocore.exceptions import ClientError

config = json.loads(os.environ["METERD_ENTITLEMENTS"])
protocol = config["protocol"]

# The service's model as botocore ships it, speaking only `protocol`.
source = os.path.join(
    os.path.dirname(botocore.__file__),
    "data",
    "marketplace-entitlement",
    "2017-01-11",
    "service-2.json.gz",
)
with gzip.open(source, "rt") as f:
    model = json.load(f)
model["metadata"]["protocol"] = protocol
model["metadata"]["protocols"] = [protocol]
target = os.path.join(config["modelDir"], "marketplace-entitlement", "2017-01-11")
os.makedirs(target, exist_ok=True)
with open(os.path.join(target, "service-2.json"), "w") as f:
    json.dump(model, f)

session = botocore.session.get_session()
session.get_component("data_loader").search_paths.insert(0, config["modelDir"])
client = session.create_client(
    "marketplace-entitlement",
    endpoint_url=config["endpoint"],
    region_name=config["region"],
    aws_access_key_id=config["accessKeyId"],
    aws_secret_access_key=config["secretAccessKey"],
    config=Config(retries={"max_attempts": 1, "mode": "standard"}),
)
sent = []


def record(request, **_):
    """What the client sent: the path and content type show the protocol it used."""
    content_type = request.headers.get("Content-Type") or b""
    if isinstance(content_type, bytes):
        content_type = content_type.decode()
    path = "/" + request.url.split("://", 1)[1].split("/", 1)[1]
    sent.append({"path": path, "contentType": content_type})


client.meta.events.register("before-send", record)


def brief(response):
    return [
        "%s/%s=%s"
        % (e["CustomerIdentifier"], e["Dimension"], json.dumps(list(e["Value"].values())[0]))
        for e in response["Entitlements"]
    ]


def error(**kwargs):
    try:
        client.get_entitlements(**kwargs)
    except ClientError as e:
        return {
            "code": e.response["Error"]["Code"],
            "message": e.response["Error"]["Message"],
            "status": e.response["ResponseMetadata"]["HTTPStatusCode"],
            "modeled": isinstance(e, client.exceptions.InvalidParameterException),
        }
    return None


filters = {
    "CUSTOMER_IDENTIFIER": {"CUSTOMER_IDENTIFIER": ["cust-b"]},
    "CUSTOMER_AWS_ACCOUNT_ID": {"CUSTOMER_AWS_ACCOUNT_ID": ["444444444444"]},
    "LICENSE_ARN": {"LICENSE_ARN": ["arn:aws:license-manager::444444444444:license:l-ent444444444444"]},
    "DIMENSION": {"CUSTOMER_IDENTIFIER": ["cust-a", "cust-b"], "DIMENSION": ["seats"]},
}
first = client.get_entitlements(ProductCode="ent-saas")
expiry = next(e for e in first["Entitlements"] if e["Dimension"] == "seats").get("ExpirationDate")
pages = [
    brief(page)
    for page in client.get_paginator("get_entitlements").paginate(
        ProductCode="ent-saas", PaginationConfig={"PageSize": 2}
    )
]
print(
    json.dumps(
        {
            "all": brief(first),
            "expiry": expiry.isoformat() if expiry else None,
            "filtered": {
                name: brief(client.get_entitlements(ProductCode="ent-saas", Filter=f))
                for name, f in filters.items()
            },
            "pages": pages,
            "badToken": error(ProductCode="ent-saas", NextToken="not-a-token"),
            "bothCustomers": error(
                ProductCode="ent-saas",
                Filter={"CUSTOMER_IDENTIFIER": ["cust-a"], "CUSTOMER_AWS_ACCOUNT_ID": ["222222222222"]},
            ),
            "otherProduct": error(ProductCode="other-saas"),
            "sent": sent[0],
        }
    )
)
