#!/usr/bin/env python3
"""The publish tests' view of a bucket, through boto3 (a client digestfeed does not use).

    s3.py ENDPOINT create BUCKET
    s3.py ENDPOINT list BUCKET        one JSON object a line: key, etag, content_type,
                                      cache_control, md5 (of the bytes read back)
    s3.py ENDPOINT put BUCKET KEY TEXT
    s3.py ENDPOINT get BUCKET KEY     the object's bytes, as text
    s3.py ENDPOINT delete BUCKET KEY
"""
import hashlib
import json
import sys

import boto3

endpoint, command, bucket = sys.argv[1], sys.argv[2], sys.argv[3]
s3 = boto3.client(
    "s3",
    endpoint_url=endpoint,
    region_name="us-east-1",
    aws_access_key_id="test",
    aws_secret_access_key="test",
)
if command == "create":
    s3.create_bucket(Bucket=bucket)
elif command == "put":
    s3.put_object(Bucket=bucket, Key=sys.argv[4], Body=sys.argv[5].encode())
elif command == "delete":
    s3.delete_object(Bucket=bucket, Key=sys.argv[4])
elif command == "get":
    sys.stdout.write(s3.get_object(Bucket=bucket, Key=sys.argv[4])["Body"].read().decode())
elif command == "list":
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            got = s3.get_object(Bucket=bucket, Key=obj["Key"])
            body = got["Body"].read()
            print(json.dumps({
                "key": obj["Key"],
                "etag": got["ETag"].strip('"'),
                "content_type": got.get("ContentType"),
                "cache_control": got.get("CacheControl"),
                "md5": hashlib.md5(body).hexdigest(),
            }))
else:
    sys.exit(f"unknown command {command}")
