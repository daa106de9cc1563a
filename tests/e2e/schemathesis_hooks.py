"""Failures schemathesis reports that are not breaches of the contract, each
dropped by a narrow rule with its reason. Everything else it finds fails the
e2e test (tests/e2e/schemathesis.rs). Keep this list short: every entry is a
rule that JSON Schema cannot state. (405 answers carry `Allow` from the
route table, and a method the `worker` crate does not know is refused by
the edge, so neither needs an exception.)
"""

import re

import schemathesis

DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def _error(response):
    """The `error` object of an error answer, or {}."""
    try:
        body = response.json()
    except Exception:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _rule_no_schema_states(failure, case, response):
    """A schema-valid request refused (422) for a rule JSON Schema cannot
    state: the answer must name the field the rule is about."""
    if getattr(failure, "code", "") != "ST202" or response.status_code != 422:
        return False
    field = _error(response).get("field")
    operation = f"{case.operation.method.upper()} {case.operation.path}"
    query = case.query or {}
    body = case.body if isinstance(case.body, dict) else {}
    # A person's name is letters of any script (Unicode `Alphabetic`) and
    # ` ' . , -`: neither ECMA-262 patterns without the `u` flag nor Python's
    # `re` (which generates the data) can say "a letter of any script".
    if field and "hanya boleh berisi huruf" in _error(response).get("message", ""):
        return True
    # Free text refuses control characters (a one-line field also line
    # breaks and tabs) and bidi formatting characters (domain::text). Each
    # field trims the whitespace at its ends (which includes controls such as
    # U+000B and U+0085) before the check, and several already carry a
    # pattern of their own, so no pattern per field can say exactly this.
    if field and re.search(
        r"karakter kontrol|pengatur arah tulisan|satu baris",
        _error(response).get("message", ""),
    ):
        return True
    # The cursor is opaque: only a `next_cursor` the API gave is valid.
    if field == "cursor" and query.get("cursor"):
        return True
    # `from` ≤ `to`, at most 366 days apart, and `to` defaults to today.
    if operation == "GET /api/v1/fees/reconciliation" and field in ("from", "to"):
        return all(DATE.match(str(query[k])) for k in ("from", "to") if k in query)
    # A complaint may name an application, which must exist.
    if operation == "POST /api/v1/complaints" and field == "registration_number":
        return True
    # An `Idempotency-Key` already used with another body: whether a key
    # was used before is state, not schema.
    if operation == "POST /api/v1/applications" and field == "Idempotency-Key":
        return True
    # A resubmission names a cancelled application of the same applicant,
    # which must exist (an unknown number answers like a wrong one: 422, not
    # 404, so the answer does not tell which numbers exist).
    if operation == "POST /api/v1/applications" and field == "resubmitted_from":
        return True
    # An officer logging a complaint says where it arrived (the public form
    # is always `website`): the rule depends on who is signed in.
    if operation == "POST /api/v1/complaints" and field == "channel":
        return not str(body.get("channel") or "").strip()
    # Closing needs a reason unless the complaint is resolved: the rule
    # depends on the complaint's status.
    if operation == "POST /api/v1/complaints/{ticket}/actions" and field == "reason":
        return body.get("action") == "close"
    # A NIK's birth day, month and last four digits follow rules of their own
    # (DESIGN "Data rules") that a 16-digit pattern cannot state.
    if operation in (
        "POST /api/v1/applications/{registration_number}/status",
        "POST /api/v1/applications/{registration_number}/access",
    ) and field == "nik":
        return True
    return False


def _integral_float(failure, case, response):
    """JSON Schema counts `110.0` as an integer; the API reads integers as
    JSON integers and answers 400 naming the path and the value."""
    if getattr(failure, "code", "") != "ST202" or response.status_code != 400:
        return False
    message = _error(response).get("message", "")
    return bool(re.search(r"invalid type: floating point `-?[0-9]+\.0`, expected i64", message))


@schemathesis.hook
def filter_failure(ctx, failure, case, response):
    return not (
        _rule_no_schema_states(failure, case, response)
        or _integral_float(failure, case, response)
    )
