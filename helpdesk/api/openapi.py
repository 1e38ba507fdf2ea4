"""The OpenAPI 3.1 document, built from the endpoint declarations and their models."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify
from flask.typing import ResponseReturnValue
from pydantic import BaseModel

from helpdesk.api import OPERATIONS, Operation
from helpdesk.api.schemas import ErrorBody

REF = "#/components/schemas/{model}"
_registered = False


def _schema(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template=REF)
    for name, definition in schema.pop("$defs", {}).items():
        components[name] = definition
    components[model.__name__] = schema
    return {"$ref": REF.format(model=model.__name__)}


def _error_statuses(op: Operation) -> list[int]:
    statuses = [429, 503]
    if op.body is not None:
        statuses += [400, 413, 415, 422]
    elif op.raw_body is not None:
        statuses += [400, 413]
    if op.query is not None:
        statuses.append(422)
    if op.auth:
        statuses.append(401)
    if "{" in op.path or op.auth:
        statuses.append(404)
    return sorted(set(statuses) - set(op.responses))


def _operation(op: Operation, components: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "summary": op.summary,
        "tags": op.tags,
        "operationId": f"{op.method.lower()}_{op.path}".replace("/", "_")
        .replace("{", "")
        .replace("}", "")
        .replace("-", "_"),
    }
    parameters: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1}}
        for name in _path_names(op.path)
    ]
    if op.query is not None:
        schema = op.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    for name, spec in op.headers.items():
        parameters.append({"name": name, "in": "header", **spec})
    if parameters:
        doc["parameters"] = parameters
    if op.body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(op.body, components)}},
        }
    elif op.raw_body is not None:
        doc["requestBody"] = {
            "required": True,
            "content": {op.raw_body: {"schema": {"type": "string", "format": "binary"}}},
        }
    if op.auth:
        doc["security"] = [{"candidateToken": []}]
    responses: dict[str, Any] = {}
    for status, model in op.responses.items():
        entry: dict[str, Any] = {"description": "OK" if status < 300 else "Error"}
        if status < 300 and op.response_headers:
            entry["headers"] = op.response_headers
        if model is not None:
            entry["content"] = {"application/json": {"schema": _schema(model, components)}}
        elif status in op.raw_response:
            entry["content"] = {
                op.raw_response[status]: {"schema": {"type": "string", "format": "binary"}}
            }
        responses[str(status)] = entry
    for status in _error_statuses(op):
        responses[str(status)] = {
            "description": "Error",
            "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorBody")}}},
        }
    doc["responses"] = responses
    return doc


def _path_names(path: str) -> list[str]:
    names = []
    for part in path.split("/"):
        if part.startswith("{") and part.endswith("}"):
            names.append(part[1:-1].split(":")[-1])
    return names


def document() -> dict[str, Any]:
    """The whole OpenAPI document of every declared JSON endpoint."""
    components: dict[str, Any] = {}
    _schema(ErrorBody, components)
    paths: dict[str, Any] = {}
    for op in sorted(OPERATIONS, key=lambda o: (o.path, o.method)):
        path = "/api/v1" + "/".join(
            "{" + p[1:-1].split(":")[-1] + "}" if p.startswith("{") else p
            for p in op.path.split("/")
        )
        paths.setdefault(path, {})[op.method.lower()] = _operation(op, components)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Exam support desk API",
            "version": "1.0.0",
            "description": "The integration contract with the exam clients and the "
            "diagnostic agent. Errors are "
            '{"error": {"code", "message", "fields"}}; messages '
            "follow Accept-Language (zh-CN default, en).",
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "candidateToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "From POST /api/v1/candidate-tokens",
                }
            },
        },
    }


def register(bp: Blueprint) -> None:
    global _registered
    if _registered:
        return
    _registered = True

    @bp.get("/openapi.json")
    def openapi_document() -> ResponseReturnValue:
        return jsonify(document())
