"""Checks JSON bodies and query parameters against ServiceTitan's own OpenAPI documents.

The documents (include/servicetitan-openapi/, OpenAPI 3.0.1) are the contract that both the sandbox and
the client are tested against. OpenAPI 3.0 schemas are not quite JSON Schema, so each document is
converted once before validating:

- ``nullable: true`` allows ``null``. The documents also put it next to ``oneOf: [{$ref}]`` (for
  example an invoice's ``job``), where the real API does send ``null``; the OpenAPI 3.0.3 wording
  would ignore it there and ``openapi-schema-validator`` rejects ``null``, so the conversion wraps
  such schemas in ``anyOf: [schema, {type: null}]``.
- Formats that can be checked are: ``date-time`` (RFC 3339, so ``"yesterday"`` or a date without a
  time zone fails), ``int32`` and ``int64`` ranges. ``decimal``, ``html``, ``guid`` are descriptive.
- Keywords are those of JSON Schema draft 4, which OpenAPI 3.0's schema object is built on.

Every operation in these documents declares 200 and 400, some 403/404; none declares 401, 429 or 5xx,
although ServiceTitan answers them with the same ``ApiErrorResponse`` body (RFC 7807). So an error
status the operation does not declare is validated against ``ApiErrorResponse``; an undeclared success
status is a contract violation.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import jsonschema
import rfc3339_validator  # imported explicitly: without it jsonschema silently skips date-time checks

SpecName = Literal["crm", "accounting"]

SPEC_DIR = Path(__file__).resolve().parents[2] / "include" / "servicetitan-openapi"
SPEC_FILES: dict[str, str] = {"crm": "crm-v2.json", "accounting": "accounting-v2.json"}
ERROR_SCHEMA = "ApiErrorResponse"
_INT_RANGES = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class ContractViolation(AssertionError):
    """A body or request does not match what the OpenAPI document declares; the message lists why."""


@cache
def load_spec(spec: SpecName) -> dict[str, Any]:
    """The OpenAPI document as published (unconverted)."""
    if spec not in SPEC_FILES:
        raise ValueError(f"unknown spec {spec!r}: expected one of {sorted(SPEC_FILES)}")
    return json.loads((SPEC_DIR / SPEC_FILES[spec]).read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def validate_response(spec: SpecName, path: str, method: str, status: int, body: Any) -> None:
    """Raise ContractViolation unless ``body`` matches the response schema declared for this operation
    and status. ``path`` may be a template (``/tenant/{tenant}/customers``) or a concrete request path,
    with or without the server prefix (``/crm/v2/tenant/1001/customers``)."""
    errors = response_errors(spec, path, method, status, body)
    if errors:
        raise ContractViolation(
            f"{method.upper()} {path} -> {status} breaks the {spec} contract:\n" + "\n".join(errors)
        )


def response_errors(spec: SpecName, path: str, method: str, status: int, body: Any) -> list[str]:
    """Every way ``body`` breaks the declared response schema (empty when it matches)."""
    return _errors(_validator(spec, _response_schema_pointer(spec, path, method, status)), body)


def validate_schema(spec: SpecName, schema_name: str, instance: Any) -> None:
    """Raise ContractViolation unless ``instance`` matches ``#/components/schemas/<schema_name>``."""
    errors = schema_errors(spec, schema_name, instance)
    if errors:
        raise ContractViolation(f"{schema_name} ({spec}) does not match:\n" + "\n".join(errors))


def schema_errors(spec: SpecName, schema_name: str, instance: Any) -> list[str]:
    """Every way ``instance`` breaks ``#/components/schemas/<schema_name>`` (empty when it matches)."""
    if schema_name not in load_spec(spec)["components"]["schemas"]:
        raise ContractViolation(f"the {spec} document has no schema {schema_name!r}")
    return _errors(_validator(spec, f"#/components/schemas/{schema_name}"), instance)


def query_parameters(spec: SpecName, path: str, method: str) -> set[str]:
    """Names of the query parameters the document defines for this operation (path-level ones too)."""
    template = resolve_path(spec, path)
    path_item = load_spec(spec)["paths"][template]
    operation = _operation(spec, template, method)
    parameters = [*path_item.get("parameters", []), *operation.get("parameters", [])]
    return {p["name"] for p in (_deref(spec, p) for p in parameters) if p.get("in") == "query"}


def resolve_path(spec: SpecName, path: str) -> str:
    """The document's path template that a template or concrete path (with or without the server
    prefix, e.g. ``/crm/v2``) stands for; literal segments win over ``{parameters}``."""
    document = load_spec(spec)
    relative = path.split("?", 1)[0]
    for server in document.get("servers", []):
        prefix = re.sub(r"^[a-z]+://[^/]+", "", server["url"]).rstrip("/")
        if prefix and relative.startswith(prefix + "/"):
            relative = relative[len(prefix) :]
            break
    if relative in document["paths"]:
        return relative
    segments = relative.strip("/").split("/")
    best: tuple[int, str] | None = None
    for template in document["paths"]:
        template_segments = template.strip("/").split("/")
        if len(template_segments) != len(segments):
            continue
        literal = 0
        for wanted, actual in zip(template_segments, segments, strict=True):
            if wanted.startswith("{") and wanted.endswith("}"):
                continue
            if wanted != actual:
                break
            literal += 1
        else:
            if best is None or literal > best[0]:
                best = (literal, template)
    if best is None:
        raise ContractViolation(f"the {spec} document has no path matching {path!r}")
    return best[1]


def _operation(spec: SpecName, template: str, method: str) -> dict[str, Any]:
    operation = load_spec(spec)["paths"][template].get(method.lower())
    if operation is None:
        raise ContractViolation(f"the {spec} document has no {method.upper()} {template}")
    return operation  # type: ignore[no-any-return]


def _response_schema_pointer(spec: SpecName, path: str, method: str, status: int) -> str:
    """JSON pointer (into the document) of the body schema declared for this status."""
    template = resolve_path(spec, path)
    method_key = method.lower()
    responses = _operation(spec, template, method_key)["responses"]
    code = next((key for key in (str(status), f"{str(status)[0]}XX", "default") if key in responses), None)
    if code is None:
        if status >= 400:
            return f"#/components/schemas/{ERROR_SCHEMA}"
        raise ContractViolation(f"the {spec} document declares no {status} response for {method.upper()} {template}")
    pointer = f"#/paths/{_escape(template)}/{method_key}/responses/{code}"
    response = responses[code]
    if "$ref" in response:  # a shared response under #/components/responses
        pointer, response = response["$ref"], _deref(spec, response)
    media = response.get("content", {}).get("application/json")
    if media is None or "schema" not in media:
        raise ContractViolation(f"{method.upper()} {template} -> {status} declares no JSON body")
    return f"{pointer}/content/{_escape('application/json')}/schema"


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


def _deref(spec: SpecName, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = load_spec(spec)
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@cache
def _json_schema_document(spec: SpecName) -> dict[str, Any]:
    """The whole document with every schema converted from OpenAPI 3.0 to JSON Schema draft 4."""
    document = copy.deepcopy(load_spec(spec))
    for path_item in document["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict):
                continue
            for response in operation.get("responses", {}).values():
                for media in response.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = _to_json_schema(media["schema"])
    document["components"]["schemas"] = {
        name: _to_json_schema(schema) for name, schema in document["components"]["schemas"].items()
    }
    return document


def _to_json_schema(schema: Any) -> Any:
    if isinstance(schema, list):
        return [_to_json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted: dict[str, Any] = {}
    for key, value in schema.items():
        if key in ("properties", "patternProperties", "definitions"):
            converted[key] = {name: _to_json_schema(sub) for name, sub in value.items()}
        elif key in ("example", "examples", "enum", "default", "required"):
            converted[key] = value
        else:
            converted[key] = _to_json_schema(value)
    if not converted.pop("nullable", False):
        return converted
    if "type" in converted:
        types = converted["type"] if isinstance(converted["type"], list) else [converted["type"]]
        converted["type"] = [*types, "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [converted, {"type": "null"}]}


def _format_checker() -> jsonschema.FormatChecker:
    checker = jsonschema.FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(rfc3339_validator.validate_rfc3339(value))

    for name, (low, high) in _INT_RANGES.items():

        def _in_range(value: object, low: int = low, high: int = high) -> bool:
            return not isinstance(value, int) or isinstance(value, bool) or low <= value <= high

        checker.checks(name)(_in_range)
    return checker


@cache
def _validator(spec: SpecName, pointer: str) -> jsonschema.Draft4Validator:
    document = _json_schema_document(spec)
    # The root holds the whole document so that "#/components/..." references resolve; only the
    # schema at ``pointer`` applies (draft 4 ignores the keys next to a root $ref).
    root = {**document, "$ref": pointer}
    return jsonschema.Draft4Validator(root, format_checker=_format_checker())


def _errors(validator: jsonschema.Draft4Validator, instance: Any) -> list[str]:
    found = sorted(validator.iter_errors(instance), key=lambda error: list(error.absolute_path))
    return [f"at {_json_path(error.absolute_path)}: {_best_message(error)}" for error in found]


def _best_message(error: jsonschema.ValidationError) -> str:
    # anyOf/oneOf report "is not valid under any of the given schemas"; the deepest cause says why.
    if error.context:
        deepest = max(error.context, key=lambda sub: len(sub.absolute_path))
        return _best_message(deepest) if deepest.absolute_path != error.absolute_path else deepest.message
    return error.message


def _json_path(parts: Any) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in parts)
