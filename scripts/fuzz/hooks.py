"""Schemathesis hooks for Planipref's fuzzing (scripts/fuzz.sh).

An Idempotency-Key is a client's promise that two requests are one: a
key reused for another request is refused (422), a rule no schema can
state. The fuzzer generates keys from their pattern, and may generate the
same key twice; each request therefore gets a fresh one.
"""

import uuid

import schemathesis


@schemathesis.hook
def before_call(ctx, case, **kwargs):
    if case.headers and "Idempotency-Key" in case.headers:
        case.headers["Idempotency-Key"] = str(uuid.uuid4())
