#!/usr/bin/env python3
"""A gateway client written the way AliKassa's vendor samples are (Python flavour).

It serialises the parameters with ``json.dumps`` and its default separators (so the text has
spaces after ``:`` and ``,``), signs exactly those bytes with RSA PKCS#1 v1.5 (SHA-1 unless
told otherwise), puts the base64 signature in the ``Sign`` header and sends the same bytes.
It is deliberately *not* our Rust gateway client: the sandbox must accept what merchants'
own code sends.

Usage:
    vendor_client.py --base URL --account UUID --key-dir DIR [--digest sha1|sha256]
                     [--tamper] PATH JSON

PATH is e.g. ``v1/payment``; JSON the parameters (``[]`` for balance / info). Prints one JSON
object: ``{"status": <http status>, "body": <answer text>, "sent": <body text>}``.
Exit 3 when the ``cryptography`` package is missing.
"""

import argparse
import base64
import json
import sys
import urllib.error
import urllib.request

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
except ImportError:  # pragma: no cover - the test suite reports this clearly
    sys.stderr.write(
        "vendor_client.py needs the Python package 'cryptography': "
        "pip install cryptography (or apt-get install python3-cryptography)\n"
    )
    sys.exit(3)


def load_key(key_dir):
    """private.pem + password.txt as in the vendor archive; the sample trims the password."""
    with open(f"{key_dir}/private.pem", "rb") as f:
        pem = f.read()
    with open(f"{key_dir}/password.txt", "rb") as f:
        password = f.read().strip()
    return serialization.load_pem_private_key(pem, password=password or None)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--account", required=True)
    parser.add_argument("--key-dir", required=True)
    parser.add_argument("--digest", choices=["sha1", "sha256"], default="sha1")
    parser.add_argument("--tamper", action="store_true", help="change the body after signing")
    parser.add_argument("path")
    parser.add_argument("params")
    args = parser.parse_args()

    params = json.loads(args.params)
    data = json.dumps(params)  # the vendor sample: default separators, ensure_ascii
    digest = hashes.SHA1() if args.digest == "sha1" else hashes.SHA256()
    signature = load_key(args.key_dir).sign(data.encode(), padding.PKCS1v15(), digest)
    sign = base64.b64encode(signature).decode()
    if args.tamper:
        data = data.replace("1", "2", 1)

    request = urllib.request.Request(
        args.base.rstrip("/") + "/" + args.path,
        data=data.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Account": args.account,
            "Sign": sign,
            "User-Agent": "AliKassa2.0 API",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    print(json.dumps({"status": status, "body": body.decode("utf-8", "replace"), "sent": data}))


if __name__ == "__main__":
    main()
