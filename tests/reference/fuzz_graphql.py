"""Fuzzes DX Atlas's GraphQL API with schemathesis.

Schemathesis reads the schema by introspection and sends generated queries, with valid and
invalid arguments, to every field. A GraphQL error is the right answer to bad input, so the
check here is not schemathesis's own `not_a_server_error` (which fails on any GraphQL error)
but what a server error means for DX Atlas: an HTTP status of 500 or more, a body that is not
JSON, or an error without a client-side code (every refusal of bad input carries one, such as
BAD_USER_INPUT or GRAPHQL_VALIDATION_FAILED; INTERNAL_SERVER_ERROR is a fault of ours).

The run is bounded by count, not by time, so that a busy machine makes it slower but never
different: a fixed seed, a fixed number of cases per field, one worker, and a per-request
timeout far above the slowest answer the limits allow (a timeout fails the run).

Usage: fuzz_graphql.py GRAPHQL_URL CASES_PER_FIELD
"""

import json
import sys

import schemathesis
from schemathesis.cli import schemathesis as cli


@schemathesis.check
def no_server_error(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.content[:300]!r}")
    try:
        body = json.loads(response.content)
    except ValueError as e:
        raise AssertionError(f"the response is not JSON: {e}")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code in (None, "INTERNAL_SERVER_ERROR"):
            raise AssertionError(f"an error without a client-side code: {error}")


if __name__ == "__main__":
    url, cases = sys.argv[1], sys.argv[2]
    cli.main(
        args=[
            "run",
            url,
            "--checks",
            "no_server_error",
            "--max-examples",
            cases,
            "--request-timeout",
            "20",
            "--workers",
            "1",
            "--seed",
            "20230401",
            "--generation-database",
            "none",
            "--no-color",
        ],
        prog_name="schemathesis",
    )
