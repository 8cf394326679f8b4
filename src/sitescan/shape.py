"""Checking what sitescan reads back from its own files before using it: report.json (``diff``, ``merge``)
against the shipped JSON Schema, artifacts.json (``check``) against the artifacts' type hints.

A file edited by hand, cut short or written by another tool then stops the run with one line naming the
file and the key that is wrong, never with a traceback from deep inside a merge or a rule.
"""

from __future__ import annotations

import dataclasses
import json
import re
import types
import typing
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args, get_origin, get_type_hints

from sitescan.artifacts import ARTIFACTS_SCHEMA, ScanArtifacts
from sitescan.errors import SitescanError
from sitescan.schemas import load as load_schema

# (where, problem): where is the key path ("cookies[3].name"); "" is the whole document.
Problem = tuple[str, str]

_TYPE_NAMES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def read_json(path: Path, kind: str) -> Any:
    """The JSON document in ``path``; else SitescanError naming the file (``kind``: "report", ...)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SitescanError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise SitescanError(f"{path}: is a folder, not a file") from None
    except OSError as error:
        raise SitescanError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise SitescanError(f"{path}: not a sitescan {kind} (not UTF-8 text: line {line})") from None
    if not text.strip():
        raise SitescanError(f"{path}: not a sitescan {kind} (an empty file)")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SitescanError(f"{path}: not a sitescan {kind} (not JSON: {error})") from None
    except RecursionError:  # arrays nested thousands deep
        raise SitescanError(f"{path}: not a sitescan {kind} (nested too deep)") from None


def said(problem: Problem) -> str:
    """A problem as the messages say it: "cookies[3].name: expected a string, got 3"."""
    where, what = problem
    return f"{where}: {what}" if where else what


@cache
def report_schema() -> dict[str, Any]:
    return load_schema()


def read_artifacts(path: Path) -> ScanArtifacts:
    """A scan's artifacts.json, checked; else SitescanError naming the file and the key."""
    data = read_json(path, "artifacts file")
    if isinstance(data, dict) and data.get("schema", ARTIFACTS_SCHEMA) != ARTIFACTS_SCHEMA:
        raise SitescanError(f"{path}: schema {data['schema']!r}: sitescan reads {ARTIFACTS_SCHEMA!r} only")
    problem = hint_problem(data, ScanArtifacts)
    if problem:
        raise SitescanError(f"{path}: not a sitescan artifacts file ({said(problem)})")
    return ScanArtifacts.from_dict(data)


def schema_problem(
    value: Any, schema: dict[str, Any], root: dict[str, Any] | None = None, where: str = ""
) -> Problem | None:
    """The first way ``value`` breaks ``schema`` (whose $defs are in ``root``, default: itself), None if it
    conforms. The part of JSON Schema 2020-12 that report.schema.json uses: type, const, enum, properties
    (checked before required: the deeper problem is the telling one), required, items, minItems,
    uniqueItems, minimum, maximum, pattern, anyOf, not, if/then/else and $ref to its $defs; annotations
    (format, description) are not checked."""
    root = root or schema
    if "$ref" in schema:
        problem = schema_problem(value, _resolve(root, schema["$ref"]), root, where)
        if problem:
            return problem
    expected = _expected(schema, root)
    if expected is not None and not _matches_simply(value, schema):
        return where, f"expected {expected}, got {_shown(value)}"
    if isinstance(value, dict):
        for key, member in schema.get("properties", {}).items():
            if key in value:
                problem = schema_problem(value[key], member, root, _join(where, key))
                if problem:
                    return problem
    if "if" in schema:
        branch = (
            schema.get("else") if schema_problem(value, schema["if"], root, where) else schema.get("then")
        )
        problem = schema_problem(value, branch, root, where) if branch else None
        if problem:
            return problem
    if isinstance(value, dict):
        missing = [key for key in schema.get("required", []) if key not in value]
        if missing:
            return where, f"no {missing[0]!r}"
    if isinstance(value, list):
        problem = _array_problem(value, schema, root, where)
        if problem:
            return problem
    if _is_number(value):
        if value < schema.get("minimum", value):
            return where, f"{_shown(value)} is below {schema['minimum']}"
        if value > schema.get("maximum", value):
            return where, f"{_shown(value)} is above {schema['maximum']}"
    if isinstance(value, str) and "pattern" in schema and not re.search(schema["pattern"], value):
        return where, f"{_shown(value)} is not in the expected form"
    if "anyOf" in schema:
        problems = [schema_problem(value, option, root, where) for option in schema["anyOf"]]
        if all(problems):
            return _either_problem(value, schema["anyOf"], [p for p in problems if p], root, where)
    if "not" in schema and schema_problem(value, schema["not"], root, where) is None:
        # report.schema.json's one "not" forbids keys: an e-mail report has no pages.
        return where, f"must not have {' or '.join(map(repr, schema['not'].get('required', [])))}"
    return None


def _array_problem(
    value: list[Any], schema: dict[str, Any], root: dict[str, Any], where: str
) -> Problem | None:
    if len(value) < schema.get("minItems", 0):
        return where, "must not be empty" if schema["minItems"] == 1 else f"needs {schema['minItems']} items"
    if schema.get("uniqueItems") and len({json.dumps(item, sort_keys=True) for item in value}) < len(value):
        return where, "holds the same item twice"
    if "items" in schema:
        for index, item in enumerate(value):
            problem = schema_problem(item, schema["items"], root, f"{where}[{index}]")
            if problem:
                return problem
    return None


def _either_problem(
    value: Any, options: list[dict[str, Any]], problems: list[Problem], root: dict[str, Any], where: str
) -> Problem:
    """No option fits: the problem of the option meant (the one that got deepest), or what each expects."""
    deepest = max(problems, key=lambda problem: len(problem[0]))
    names = [_expected(option, root) for option in options]
    if deepest[0] != where or None in names:
        return deepest
    return where, f"expected {' or '.join(typing.cast(list[str], names))}, got {_shown(value)}"


def _resolve(root: dict[str, Any], reference: str) -> dict[str, Any]:
    """A reference inside the schema ("#/$defs/cookie")."""
    found: Any = root
    for part in reference.removeprefix("#/").split("/"):
        found = found[part]
    return typing.cast(dict[str, Any], found)


def _expected(schema: dict[str, Any], root: dict[str, Any]) -> str | None:
    """What the schema's type, const or enum asks for, in words; None when it asks none of them."""
    if "$ref" in schema and not {"type", "const", "enum"} & set(schema):
        return _expected(_resolve(root, schema["$ref"]), root)
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return " or ".join(_TYPE_NAMES[kind] for kind in kinds)
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(option) for option in schema["enum"])
    return None


def _matches_simply(value: Any, schema: dict[str, Any]) -> bool:
    """The schema's type, const and enum (those present) hold for ``value``."""
    if "type" in schema:
        kinds = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, kind) for kind in kinds):
            return False
    if "const" in schema and not _same(value, schema["const"]):
        return False
    return "enum" not in schema or any(_same(value, option) for option in schema["enum"])


def _is_type(value: Any, kind: str) -> bool:
    if kind == "integer":
        return _is_number(value) and float(value).is_integer()
    if kind == "number":
        return _is_number(value)
    python = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}[kind]
    return isinstance(value, python)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(value: Any, other: Any) -> bool:
    """JSON equality: true is not 1."""
    if isinstance(value, bool) or isinstance(other, bool):
        return type(value) is type(other) and value == other
    return bool(value == other)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else f"{text[:37]}..."


# artifacts.json: the dataclasses' type hints say what each key holds.


def hint_problem(value: Any, hint: Any, where: str = "") -> Problem | None:
    """The first way ``value`` (parsed JSON) does not fit ``hint`` (a type hint of sitescan's dataclasses:
    a dataclass, ``tuple[X, ...]``, ``dict[str, X]``, a union, a Literal, str, int, float, bool, None or
    Any), None if it fits. Keys the dataclasses do not know are allowed (newer files)."""
    origin = get_origin(hint)
    if hint is Any:
        return None
    if origin in (types.UnionType, typing.Union):
        options = get_args(hint)
        problems = [hint_problem(value, option, where) for option in options]
        if not all(problems):
            return None
        deepest = max((p for p in problems if p), key=lambda problem: len(problem[0]))
        if deepest[0] != where:  # the option meant got further: its problem is the telling one
            return deepest
        return where, f"expected {' or '.join(_hint_name(option) for option in options)}, got {_shown(value)}"
    if origin is Literal:
        if any(_same(value, option) for option in get_args(hint)):
            return None
        return where, f"expected {_hint_name(hint)}, got {_shown(value)}"
    if dataclasses.is_dataclass(hint):
        return _dataclass_problem(value, typing.cast(type, hint), where)
    if origin is tuple:
        if not isinstance(value, list):
            return where, f"expected an array, got {_shown(value)}"
        item = get_args(hint)[0]
        return next(
            (p for index, v in enumerate(value) if (p := hint_problem(v, item, f"{where}[{index}]"))), None
        )
    if origin is dict:
        if not isinstance(value, dict):
            return where, f"expected an object, got {_shown(value)}"
        member = get_args(hint)[1]
        return next(
            (p for key, v in value.items() if (p := hint_problem(v, member, _join(where, key)))), None
        )
    if hint in (type(None), str, bool, int, float):
        fits = (
            _is_number(value)
            if hint is float
            else isinstance(value, hint) and not (hint is int and isinstance(value, bool))
        )
        return None if fits else (where, f"expected {_hint_name(hint)}, got {_shown(value)}")
    raise TypeError(f"no check for the type hint {hint!r}")  # a new kind of field: teach hint_problem


def _dataclass_problem(value: Any, kind: type, where: str) -> Problem | None:
    if not isinstance(value, dict):
        return where, f"expected an object, got {_shown(value)}"
    hints = _hints(kind)
    for field in dataclasses.fields(kind):
        if field.name not in value:
            required = field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING
            if required:
                return where, f"no {field.name!r}"
            continue
        problem = hint_problem(value[field.name], hints[field.name], _join(where, field.name))
        if problem:
            return problem
    return None


@cache
def _hints(kind: type) -> dict[str, Any]:
    return get_type_hints(kind)


def _hint_name(hint: Any) -> str:
    if get_origin(hint) is Literal:
        return "one of " + ", ".join(json.dumps(option) for option in get_args(hint))
    if dataclasses.is_dataclass(hint) or get_origin(hint) is dict:
        return "an object"
    if get_origin(hint) is tuple:
        return "an array"
    names = {type(None): "null", str: "a string", bool: "true or false", int: "an integer", float: "a number"}
    return names.get(hint, str(hint))
