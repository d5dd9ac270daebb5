"""Hand-written OpenAPI entries of the routes not yet declared with `api.contract.endpoint`.

Being emptied feature by feature (issue 11): api/openapi.py generates a route's entry from its
contract and uses this file only for routes that have none. Delete entries as routes move.
"""

from __future__ import annotations

from .openapi import ERROR_TEXTS


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str = "OK") -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    """The error responses a route really gives (the fuzz test holds the API to them)."""
    return {str(code): _json(_ref("Error"), ERROR_TEXTS[code]) for code in codes}


#: Every error response; prefer `_errors(...)` with the codes the route gives.
ERRORS = _errors(400, 401, 403, 404, 409, 422)
#: What any signed-in GET of one record can answer.
READ_ERRORS = _errors(400, 401, 404)
#: What a JSON write can answer: bad body, sign-in, role, scope, state or version, validation.
WRITE_ERRORS = _errors(400, 401, 403, 404, 409, 422)
#: A multipart photo upload: the write errors plus a body over the size limit.
UPLOAD_ERRORS = _errors(400, 401, 403, 404, 409, 413, 415, 422)


SCHEMAS: dict[str, dict] = {
    "Me": {
        "type": "object",
        "required": ["id", "username", "role"],
        "properties": {
            "id": {"type": "integer"},
            "username": {"type": "string"},
            "name": {"type": "string"},
            "role": {"enum": ["admin", "inspector", "committee", "trainer"]},
            "factory_id": {"type": ["integer", "null"]},
            "regions": {"type": "array", "items": {"type": "string"}},
            "locale": {"type": ["string", "null"]},
        },
    },
    "FactoryInput": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "name_zh": {"type": "string", "maxLength": 200},
            "name_en": {"type": "string", "maxLength": 200},
            "uscc": {"type": "string", "description": "18-character unified social credit code"},
            "region_id": {"type": "integer"},
            "sector": {"type": "string"},
            "address": {"type": "string"},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "headcount_women": {"type": "integer", "minimum": 0},
            "headcount_men": {"type": "integer", "minimum": 0},
            "score_batch": {"type": "string"},
            "score_modules": {"type": "string"},
            "version": {"type": "integer", "description": "optimistic concurrency (PATCH)"},
        },
    },
    "Factory": {
        "type": "object",
        "required": ["id", "name_zh", "uscc", "region_id", "sector", "version"],
        "properties": {
            "id": {"type": "integer"},
            "name_zh": {"type": "string"},
            "name_en": {"type": "string"},
            "uscc": {"type": "string"},
            "region": {"type": "object"},
            "region_id": {"type": "integer"},
            "sector": {"type": "string"},
            "address": {"type": "string"},
            "latitude": {"type": ["number", "null"]},
            "longitude": {"type": ["number", "null"]},
            "headcount_women": {"type": "integer"},
            "headcount_men": {"type": "integer"},
            "score_batch": {"type": "string"},
            "score_modules": {"type": "string"},
            "version": {"type": "integer"},
            "updated_at": {"type": "string"},
        },
    },
    "Text": {
        "type": "object",
        "description": "Bilingual text",
        "required": ["zh", "en"],
        "properties": {"zh": {"type": "string"}, "en": {"type": "string"}},
    },
    "ChecklistSummary": {
        "type": "object",
        "required": ["slug", "version", "title", "kind", "item_count", "content_hash"],
        "properties": {
            "slug": {"type": "string"},
            "version": {"type": "integer", "minimum": 1},
            "title": _ref("Text"),
            "kind": {"enum": ["score_visit", "enforcement", "self_inspection"]},
            "item_count": {"type": "integer"},
            "content_hash": {"type": "string", "description": "SHA-256 of the canonical JSON"},
        },
    },
    "ChecklistItem": {
        "type": "object",
        "required": ["id", "text", "answers", "areas", "photo"],
        "description": "Keys a file does not use are left out (see docs/checklists.md)",
        "properties": {
            "id": {"type": "string", "description": "stable across versions"},
            "number": {"type": "string", "description": "the source's own numbering"},
            "text": _ref("Text"),
            "why": _ref("Text"),
            "how": _ref("Text"),
            "answers": {
                "type": "object",
                "required": ["kind"],
                "description": "`kind` (propose_action, compliance, yes_no, number, choice, "
                "text) and its parameters (yes_no: problem, not_applicable; number: unit, min, "
                "max; choice: multiple, options)",
                "properties": {"kind": {"type": "string"}},
            },
            "decisive": {"type": "boolean"},
            "risk_floor": {"enum": ["low", "medium", "high", "critical"]},
            "applies_to": {"type": "object", "description": "sectors, min_workers, max_workers"},
            "subitems": {"type": "array", "items": {"type": "object"}},
            "areas": {"type": "array", "items": {"type": "string"}},
            "references": {"type": "array", "items": _ref("Text")},
            "applies_if": {
                "type": ["object", "null"],
                "properties": {"item": {"type": "string"}, "in": {"type": "array"}},
            },
            "photo": {"enum": ["none", "optional", "on_action", "always"]},
        },
    },
    "Checklist": {
        "type": "object",
        "description": "One version's full definition, as stored when it was loaded",
        "required": [
            "id",
            "title",
            "description",
            "kind",
            "source",
            "sections",
            "version",
            "content_hash",
            "versions",
        ],
        "properties": {
            "id": {"type": "string", "description": "the slug"},
            "title": _ref("Text"),
            "description": _ref("Text"),
            "kind": {"enum": ["score_visit", "enforcement", "self_inspection"]},
            "source": _ref("Text"),
            "sections": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "items"],
                    "properties": {
                        "id": {"type": "string"},
                        "title": _ref("Text"),
                        "items": {"type": "array", "items": _ref("ChecklistItem")},
                    },
                },
            },
            "version": {"type": "integer", "minimum": 1},
            "content_hash": {"type": "string"},
            "versions": {
                "type": "array",
                "items": {"type": "integer"},
                "description": "every stored version number, oldest first",
            },
        },
    },
}


def page_of(schema_name: str) -> dict:
    """Schema of a paginated list of the named schema."""
    return {
        "type": "object",
        "required": ["items", "page", "per_page", "total", "pages"],
        "properties": {
            "items": {"type": "array", "items": _ref(schema_name)},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "total": {"type": "integer"},
            "pages": {"type": "integer"},
        },
    }


def _id_param(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


PATHS: dict[str, dict] = {
    "/me": {
        "get": {
            "summary": "The signed-in user",
            "responses": {"200": _json(_ref("Me")), **_errors(400, 401)},
        }
    },
    "/csrf-token": {
        "get": {
            "summary": "A CSRF token for this browser session (send it as `X-CSRFToken`)",
            "description": "Pages that call the API with the session cookie need the token; "
            "the tablet form fetches a fresh one after the user signed in again.",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["token"],
                        "properties": {"token": {"type": "string"}},
                    }
                ),
                **_errors(400, 401),
            },
        }
    },
    "/factories": {
        "get": {
            "summary": "Factories in the user's scope, searchable",
            "parameters": [
                {"name": "q", "in": "query", "schema": {"type": "string"}},
                {"name": "region_id", "in": "query", "schema": {"type": "integer"}},
                {"name": "sector", "in": "query", "schema": {"type": "string"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                },
            ],
            "responses": {"200": _json(page_of("Factory")), **_errors(400, 401, 403)},
        },
        "post": {
            "summary": "Add a factory (admin, inspector)",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("FactoryInput")}},
            },
            "responses": {"201": _json(_ref("Factory"), "Created"), **WRITE_ERRORS},
        },
    },
    "/factories/{factory_id}": {
        "parameters": [_id_param("factory_id")],
        "get": {
            "summary": "One factory",
            "responses": {"200": _json(_ref("Factory")), **READ_ERRORS},
        },
        "patch": {
            "summary": "Change a factory; send `version` to refuse stale edits",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("FactoryInput")}},
            },
            "responses": {"200": _json(_ref("Factory")), **WRITE_ERRORS},
        },
    },
    "/checklists": {
        "get": {
            "summary": "The latest version of every checklist",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["items"],
                        "properties": {
                            "items": {"type": "array", "items": _ref("ChecklistSummary")}
                        },
                    }
                ),
                **_errors(400, 401),
            },
        }
    },
    "/checklists/{slug}": {
        "parameters": [
            {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
        ],
        "get": {
            "summary": "A checklist's full definition: the latest version, or `?version=N`",
            "parameters": [
                {"name": "version", "in": "query", "schema": {"type": "integer", "minimum": 1}}
            ],
            "responses": {"200": _json(_ref("Checklist")), **READ_ERRORS},
        },
    },
}


# ---------------------------------------------------------------- cases (the trainers' library)

_CASE_TEXT = {
    f"{name}_{lang}": {"type": "string"}
    for name in (
        "title",
        "problem",
        "idea",
        "change",
        "result_safety",
        "result_productivity",
        "cost_benefit",
    )
    for lang in ("zh", "en")
}
_CASE_TAGS = {
    "sector": {"type": "string"},
    "city_zh": {"type": "string", "maxLength": 60},
    "city_en": {"type": "string", "maxLength": 80},
    "areas": {"type": "array", "items": {"type": "string"}, "description": "hazard area ids"},
    "control_type": {
        "enum": ["eliminate", "substitute", "engineering", "administrative", "ppe", None]
    },
    "checklist_item": {"type": ["string", "null"]},
}

SCHEMAS.update(
    {
        "CasePhoto": {
            "type": "object",
            "required": ["id", "kind", "url", "thumb_url"],
            "properties": {
                "id": {"type": "integer", "description": "the case's own copy, never evidence"},
                "kind": {"enum": ["before", "after", "verification"]},
                "width": {"type": "integer"},
                "height": {"type": "integer"},
                "url": {"type": "string"},
                "thumb_url": {"type": "string"},
            },
        },
        "Case": {
            "type": "object",
            "description": "An anonymised case: sector and city, never the factory. `source` "
            "(finding_id, factory_id) is included for admins only.",
            "required": ["id", "status", "sector", "photos", "version"],
            "properties": {
                "id": {"type": "integer"},
                "status": {"enum": ["draft", "published"]},
                **_CASE_TEXT,
                **_CASE_TAGS,
                "cost": {"type": ["string", "null"], "description": "yuan, 2 decimals"},
                "photos": {"type": "array", "items": _ref("CasePhoto")},
                "published_at": {"type": ["string", "null"], "format": "date-time"},
                "updated_at": {"type": ["string", "null"], "format": "date-time"},
                "version": {"type": "integer"},
                "editable": {"type": "boolean"},
                "url": {"type": "string"},
                "source": {
                    "type": "object",
                    "properties": {
                        "finding_id": {"type": ["integer", "null"]},
                        "factory_id": {"type": ["integer", "null"]},
                    },
                },
            },
        },
        "CaseInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version"],
            "properties": {
                **_CASE_TEXT,
                **_CASE_TAGS,
                "cost": {"type": ["string", "number", "null"]},
                "version": {"type": "integer", "description": "the version you edited"},
                "status": {
                    "enum": ["draft", "published"],
                    "description": "publish or take back; publishing runs the anonymity check",
                },
                "confirm_anonymity": {
                    "type": "boolean",
                    "description": "publish although the check found the factory's names",
                },
            },
        },
    }
)

PATHS.update(
    {
        "/cases": {
            "get": {
                "summary": "The case library (trainers, admins): published cases and the "
                "caller's drafts",
                "parameters": [
                    {
                        "name": name,
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": description,
                    }
                    for name, description in (
                        ("q", "words (Chinese or English) in the title or story, all must match"),
                        ("area", "hazard area id"),
                        ("control_type", "eliminate | substitute | engineering | …"),
                        ("sector", "sector value"),
                        ("status", "draft | published"),
                    )
                ]
                + [
                    {"name": "page", "in": "query", "schema": {"type": "integer"}},
                    {"name": "per_page", "in": "query", "schema": {"type": "integer"}},
                ],
                "responses": {"200": _json(page_of("Case")), **_errors(400, 401, 403)},
            },
            "post": {
                "summary": "Promote a finding with a verified action to a draft case "
                "(inspectors in scope, admins); 409 `already_promoted` with `case_id`",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["finding_id"],
                                "properties": {"finding_id": {"type": "integer"}},
                            }
                        }
                    },
                },
                "responses": {"201": _json(_ref("Case"), "Created"), **WRITE_ERRORS},
            },
        },
        "/cases/{case_id}": {
            "parameters": [_id_param("case_id")],
            "get": {
                "summary": "One case",
                "responses": {"200": _json(_ref("Case")), **_errors(400, 401, 403, 404)},
            },
            "patch": {
                "summary": "Edit a case; `status: published` publishes it. 409 "
                "`stale_version` for an old version, 409 `anonymity_warning` with `hits` "
                "[{field, text, kind}] when the text names the source, unless "
                "`confirm_anonymity` is true",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("CaseInput")}},
                },
                "responses": {"200": _json(_ref("Case")), **WRITE_ERRORS},
            },
        },
    }
)


# ---------------------------------------------------------------- improvement actions

_ACTION_STATUSES = ["proposed", "open", "in_progress", "done", "verified", "rejected", "void"]
_CONTROL_TYPES = ["eliminate", "substitute", "engineering", "administrative", "ppe"]
_MONEY = {
    "type": ["string", "number", "null"],
    "description": 'yuan, ≥ 0, two decimals (answers carry it as a string, e.g. "1200.50")',
}
_ACTION_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "description": {"type": "string", "maxLength": 5000},
    "control_type": {"enum": [*_CONTROL_TYPES, None], "description": "hierarchy of controls"},
    "responsible": {"type": "string", "maxLength": 120, "description": "a person's name"},
    "estimated_cost": _MONEY,
    "actual_cost": _MONEY,
    "done_description": {"type": "string", "maxLength": 5000},
}
_ACTION_PHOTO = {
    "type": "object",
    "required": ["id", "kind", "url", "thumb_url"],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": ["before", "after", "verification"]},
        "width": {"type": "integer"},
        "height": {"type": "integer"},
        "taken_at": {"type": ["string", "null"]},
        "url": {"type": "string"},
        "thumb_url": {"type": "string"},
        "caption": {"type": "string"},
        "client_id": {"type": ["string", "null"]},
    },
}
_PERSON = {
    "type": ["object", "null"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}

SCHEMAS.update(
    {
        "ActionPhoto": _ACTION_PHOTO,
        "ActionEvent": {
            "type": "object",
            "description": "One timeline entry: created, a status move, or a due-date change",
            "required": ["id", "kind", "at", "by", "from_status", "to_status", "note"],
            "properties": {
                "id": {"type": "integer"},
                "kind": {"enum": ["created", "status", "due_date"]},
                "at": {"type": "string"},
                "by": _PERSON,
                "from_status": {"enum": [*_ACTION_STATUSES, None]},
                "to_status": {"enum": [*_ACTION_STATUSES, None]},
                "old_due_on": {"type": ["string", "null"]},
                "new_due_on": {"type": ["string", "null"]},
                "note": {"type": "string", "description": "the reason or note given"},
            },
        },
        "ActionInput": {
            "type": "object",
            "additionalProperties": False,
            "description": "Raising an action. Without `finding_id` (factory route) it is a "
            "worker's suggestion; a finding's title is used when `title` is left out.",
            "properties": {
                **_ACTION_FIELDS,
                "due_on": {
                    "type": ["string", "null"],
                    "format": "date",
                    "description": "not before the day the action is raised",
                },
                "finding_id": {"type": "integer", "description": "factory route only"},
                "client_id": {
                    "type": "string",
                    "maxLength": 64,
                    "description": "the id the device made for the new action (a UUID): a "
                    "replay returns the one stored first (200); made here when left out",
                },
            },
        },
        "ActionPatch": {
            "type": "object",
            "additionalProperties": False,
            "description": "Any of: fields (need `version`), a due-date change (`due_on` with "
            "`reason`; needs `version`), a status move (`status`, with `note` where a reason "
            "is required: void and rejected). Factory, finding, author and version are never "
            "set. An illegal move is 409 `illegal_move` with `error.allowed`.",
            "properties": {
                **_ACTION_FIELDS,
                "due_on": {"type": "string", "format": "date"},
                "reason": {"type": "string", "description": "why the due date changes"},
                "status": {"enum": _ACTION_STATUSES},
                "note": {"type": "string", "description": "note or reason for the move"},
                "version": {"type": "integer", "description": "optimistic concurrency"},
            },
        },
        "Action": {
            "type": "object",
            "required": [
                "id",
                "factory_id",
                "finding_id",
                "origin",
                "title",
                "status",
                "overdue",
                "due_on",
                "photos",
                "timeline",
                "allowed_moves",
                "version",
            ],
            "properties": {
                "id": {"type": "integer"},
                "factory_id": {"type": "integer"},
                "finding_id": {"type": ["integer", "null"]},
                "finding": {
                    "type": ["object", "null"],
                    "properties": {
                        "id": {"type": "integer"},
                        "inspection_id": {"type": "integer"},
                        "title": {"type": "string"},
                        "area": {"type": ["string", "null"]},
                        "grade": {"enum": ["general", "major"]},
                        "risk_level": {"enum": ["low", "medium", "high", "critical"]},
                        "open": {"type": "boolean"},
                    },
                },
                "origin": {"enum": ["finding", "suggestion"]},
                "client_id": {"type": "string", "description": "the id its device made"},
                **_ACTION_FIELDS,
                "estimated_cost": {"type": ["string", "null"]},
                "actual_cost": {"type": ["string", "null"]},
                "due_on": {"type": ["string", "null"], "format": "date"},
                "status": {"enum": _ACTION_STATUSES},
                "overdue": {
                    "type": "boolean",
                    "description": "derived: pending (proposed, open, in_progress, rejected) "
                    "and due before today (factory-local date)",
                },
                "proposed_by": _PERSON,
                "created_at": {"type": "string"},
                "updated_at": {"type": "string"},
                "done_at": {"type": ["string", "null"]},
                "verified_at": {"type": ["string", "null"]},
                "verified_by": _PERSON,
                "closed_at": {"type": ["string", "null"]},
                "photos": {
                    "type": "object",
                    "description": "before photos come from the finding",
                    "properties": {
                        kind: {"type": "array", "items": _ref("ActionPhoto")}
                        for kind in ("before", "after", "verification")
                    },
                },
                "timeline": {"type": "array", "items": _ref("ActionEvent")},
                "allowed_moves": {
                    "type": "array",
                    "items": {"enum": _ACTION_STATUSES},
                    "description": "statuses the signed-in user may move it to now",
                },
                "editable": {"type": "boolean"},
                "version": {"type": "integer"},
            },
        },
    }
)

_ACTION_CREATE = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _ref("ActionInput")}},
    },
    "responses": {
        "201": _json(_ref("Action"), "Created"),
        "200": _json(_ref("Action"), "Already stored (same client_id)"),
        **WRITE_ERRORS,
    },
}

PATHS.update(
    {
        "/factories/{factory_id}/actions": {
            "parameters": [_id_param("factory_id")],
            "get": {
                "summary": "The factory's actions, overdue first (committee, inspector, admin)",
                "parameters": [
                    {
                        "name": "status",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "one or more statuses, comma-separated",
                    },
                    {"name": "overdue", "in": "query", "schema": {"enum": ["1", "true"]}},
                    {"name": "area", "in": "query", "schema": {"type": "string"}},
                    {"name": "grade", "in": "query", "schema": {"enum": ["general", "major"]}},
                    {"name": "responsible", "in": "query", "schema": {"type": "string"}},
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ],
                "responses": {"200": _json(page_of("Action")), **_errors(400, 401, 403, 404)},
            },
            "post": {
                "summary": "Record a worker's suggestion (proposed), or with `finding_id` raise "
                "an action on a finding",
                **_ACTION_CREATE,
            },
        },
        "/findings/{finding_id}/actions": {
            "parameters": [_id_param("finding_id")],
            "post": {
                "summary": "Raise an action on a finding in one tap: open when an inspector or "
                "admin raises it, proposed when the committee does",
                **_ACTION_CREATE,
            },
        },
        "/actions/{action_id}": {
            "parameters": [_id_param("action_id")],
            "get": {
                "summary": "One action with its photos and timeline",
                "responses": {"200": _json(_ref("Action")), **_errors(400, 401, 403, 404)},
            },
            "patch": {
                "summary": "Change fields, the due date (with a reason) and/or the status "
                "(lifecycle: 409 lists the allowed moves); stale `version` → 409 with "
                "`error.current`",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("ActionPatch")}},
                },
                "responses": {"200": _json(_ref("Action")), **WRITE_ERRORS},
            },
        },
        "/actions/{action_id}/photos": {
            "parameters": [_id_param("action_id")],
            "post": {
                "summary": 'Add an "after" photo (until the action closes) or a verification '
                "photo (inspector, while it waits for verification)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "multipart/form-data": {
                            "schema": {
                                "type": "object",
                                "required": ["photo"],
                                "properties": {
                                    "photo": {"type": "string", "format": "binary"},
                                    "kind": {"enum": ["after", "verification"]},
                                    "caption": {"type": "string", "maxLength": 300},
                                    "client_id": {"type": "string", "maxLength": 64},
                                },
                            }
                        }
                    },
                },
                "responses": {
                    "201": _json(_ref("ActionPhoto"), "Created"),
                    "200": _json(_ref("ActionPhoto"), "Already stored (same client_id)"),
                    **UPLOAD_ERRORS,
                },
            },
        },
    }
)


# ---------------------------------------------------------------- monthly safety KPIs

_KPI_COUNTS = {
    "accidents": "work injuries or illnesses, with or without time off",
    "lost_time_injuries": "accidents after which the worker missed at least one shift "
    "(≤ accidents)",
    "days_lost": "working days missed this month (≤ headcount × days in the month)",
    "near_misses": "near misses reported",
    "first_aid_cases": "first-aid cases",
    "suggestions_made": "worker suggestions made this month",
    "suggestions_implemented": "suggestions made this month and implemented (≤ suggestions_made)",
    "headcount": "average workers this month (≥ 1; left out: the factory's register headcount)",
}

SCHEMAS.update(
    {
        "KpiInput": {
            "type": "object",
            "additionalProperties": False,
            "description": "A month's numbers. PUT replaces the month: counts left out are 0. "
            "Whole numbers, none negative; each broken rule is reported on its field.",
            "properties": {
                name: {
                    "type": "integer",
                    "minimum": 1 if name == "headcount" else 0,
                    "description": text,
                }
                for name, text in _KPI_COUNTS.items()
            }
            | {
                "client_id": {
                    "type": "string",
                    "maxLength": 64,
                    "description": "the id the device made for the month (a UUID), kept when "
                    "the month is created; made here when left out",
                },
                "version": {
                    "type": "integer",
                    "description": "the version you edited: required to change a stored "
                    "month; a stale one is 409 `stale_version` with the month as it is now in "
                    "`error.current`",
                },
            },
        },
        "KpiRecord": {
            "type": "object",
            "required": ["month", *_KPI_COUNTS, "lost_time_injury_rate", "version"],
            "properties": {
                "month": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                **{name: {"type": "integer"} for name in _KPI_COUNTS},
                "lost_time_injury_rate": {
                    "type": ["number", "null"],
                    "description": "lost-time injuries per 100 workers",
                },
                "version": {"type": "integer"},
                "client_id": {"type": "string", "description": "the id its device made"},
                "updated_at": {"type": "string"},
            },
        },
    }
)

PATHS.update(
    {
        "/factories/{factory_id}/kpis": {
            "parameters": [_id_param("factory_id")],
            "get": {
                "summary": "A factory's monthly KPIs, oldest month first (committee: its own "
                "factory; inspectors: their regions)",
                "parameters": [
                    {
                        "name": name,
                        "in": "query",
                        "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        "description": description,
                    }
                    for name, description in (("from", "first month"), ("to", "last month"))
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["factory_id", "items"],
                            "properties": {
                                "factory_id": {"type": "integer"},
                                "items": {"type": "array", "items": _ref("KpiRecord")},
                            },
                        }
                    ),
                    **_errors(400, 401, 403, 404, 422),
                },
            },
        },
        "/factories/{factory_id}/kpis/{month}": {
            "parameters": [
                _id_param("factory_id"),
                {
                    "name": "month",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                    "description": "YYYY-MM; this month or earlier (a malformed month is a 400, "
                    "a future one a 422)",
                },
            ],
            "put": {
                "summary": "Enter or replace a month's KPIs (idempotent)",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("KpiInput")}},
                },
                "responses": {
                    "200": _json(_ref("KpiRecord"), "Replaced (or unchanged)"),
                    "201": _json(_ref("KpiRecord"), "Created"),
                    **WRITE_ERRORS,
                },
            },
        },
    }
)


# ---------------------------------------------------------------- inspections, answers, findings

_DATE = {"type": "string", "format": "date", "description": "YYYY-MM-DD, not in the future"}
_IDS = {"type": "array", "items": {"type": "integer"}}
_SCORES = {
    "type": "object",
    "description": "`overall` and per-section tallies (`percent` among them), and per hazard "
    "area under `areas`; the `verdict` under the checklist's rule (null when it has none) and "
    "the items `left_out` for this factory by `applies_to`; frozen at submission",
    "properties": {
        "overall": {"type": "object"},
        "sections": {"type": "object"},
        "areas": {"type": "object"},
        "verdict": {
            "type": ["object", "null"],
            "properties": {
                "result": {"enum": ["fail", "pass", "pending"]},
                "label": {"type": ["object", "null"], "description": "`zh` and `en`"},
                "decisive_problems": {"type": "array", "items": {"type": "string"}},
                "pass_mark": {"type": ["number", "null"]},
                "below_pass_mark": {"type": "boolean"},
            },
        },
        "left_out": {
            "type": "object",
            "properties": {
                "total": {"type": "integer"},
                "reasons": {
                    "type": "object",
                    "description": "count by reason: `sector`, `workers`",
                },
            },
        },
    },
}
_FINDING_FIELDS = {
    "item_id": {"type": ["string", "null"], "description": "a checklist item of the inspection"},
    "area": {"type": ["string", "null"], "description": "hazard area id"},
    "title": {"type": "string", "maxLength": 200},
    "description": {"type": "string", "maxLength": 5000},
    "location": {"type": "string", "maxLength": 200},
    "source": {"enum": ["unsafe_condition", "unsafe_act", "management"]},
    "grade": {"enum": ["general", "major"]},
    "likelihood": {"type": "integer", "minimum": 1, "maximum": 5},
    "severity": {"type": "integer", "minimum": 1, "maximum": 5},
    "fixed_on_spot": {"type": "boolean"},
    "reference": {
        "type": "string",
        "maxLength": 1000,
        "description": "legal basis; defaults to the checklist item's references",
    },
}

SCHEMAS.update(
    {
        "Photo": {**_ACTION_PHOTO, "description": "A stored photo (re-encoded, no metadata)"},
        "Person": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
        "Finding": {
            "type": "object",
            "required": [
                "id",
                "inspection_id",
                "factory_id",
                "title",
                "source",
                "grade",
                "risk_score",
                "risk_level",
                "open",
                "photos",
                "version",
            ],
            "properties": {
                "id": {"type": "integer"},
                "inspection_id": {"type": "integer"},
                "factory_id": {"type": "integer"},
                **_FINDING_FIELDS,
                "risk_score": {"type": "integer", "description": "likelihood × severity"},
                "risk_level": {"enum": ["low", "medium", "high", "critical"]},
                "open": {"type": "boolean"},
                "client_id": {"type": ["string", "null"]},
                "photos": {"type": "array", "items": _ref("Photo")},
                "version": {"type": "integer"},
                "created_at": {"type": ["string", "null"]},
                "updated_at": {"type": ["string", "null"]},
            },
        },
        "FindingInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["title"],
            "properties": {
                **_FINDING_FIELDS,
                "client_id": {
                    "type": "string",
                    "maxLength": 64,
                    "description": "the id the device made for it (a UUID): a replay in the "
                    "same inspection returns the first finding (200); made here when left out",
                },
            },
        },
        "FindingPatch": {
            "type": "object",
            "additionalProperties": False,
            "required": ["version"],
            "properties": {
                **_FINDING_FIELDS,
                "version": {"type": "integer", "description": "the version you edited"},
            },
        },
        "InspectionSummary": {
            "type": "object",
            "required": [
                "id",
                "factory_id",
                "factory",
                "checklist",
                "kind",
                "status",
                "inspected_on",
                "inspectors",
                "committee_members",
                "version",
            ],
            "properties": {
                "id": {"type": "integer"},
                "factory_id": {"type": "integer"},
                "factory": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "name_zh": {"type": "string"},
                        "name_en": {"type": "string"},
                    },
                },
                "checklist": {
                    "type": "object",
                    "required": ["slug", "version"],
                    "properties": {"slug": {"type": "string"}, "version": {"type": "integer"}},
                },
                "kind": {"enum": ["enforcement", "score_visit", "self_inspection"]},
                "status": {"enum": ["draft", "submitted"]},
                "inspected_on": {"type": "string", "format": "date"},
                "inspectors": {"type": "array", "items": _ref("Person")},
                "committee_members": {"type": "array", "items": _ref("Person")},
                "submitted_at": {"type": ["string", "null"]},
                "version": {"type": "integer"},
                "client_id": {"type": "string", "description": "the id its device made"},
            },
        },
        "Inspection": {
            "type": "object",
            "description": "The header with answers (by item id), findings and scores",
            "allOf": [_ref("InspectionSummary")],
            "required": ["good_points", "answers", "findings", "scores", "editable"],
            "properties": {
                "good_points": {"type": "string"},
                "answers": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "required": ["value", "note", "answered_at"],
                        "properties": {
                            "value": {},
                            "note": {"type": "string"},
                            "answered_at": {"type": ["string", "null"]},
                        },
                    },
                },
                "findings": {"type": "array", "items": _ref("Finding")},
                "scores": _SCORES,
                "editable": {"type": "boolean"},
            },
        },
        "InspectionInput": {
            "type": "object",
            "additionalProperties": False,
            "required": ["factory_id", "checklist", "kind"],
            "properties": {
                "factory_id": {"type": "integer"},
                "checklist": {"type": "string", "description": "slug; the latest version"},
                "checklist_version": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "pin this version exactly (as a device that started the "
                    "inspection offline chose it); the latest when left out",
                },
                "kind": {"enum": ["enforcement", "score_visit", "self_inspection"]},
                "inspected_on": _DATE,
                "inspector_ids": _IDS,
                "committee_member_ids": _IDS,
                "client_id": {
                    "type": "string",
                    "maxLength": 64,
                    "description": "the id the device made for the new inspection (a UUID): a "
                    "replay returns the one stored first (200); made here when left out",
                },
            },
        },
        "InspectionPatch": {
            "type": "object",
            "additionalProperties": False,
            "description": "The header of a draft. Factory, checklist, kind, status and "
            "author are never set here (submit with POST …/submit).",
            "properties": {
                "good_points": {"type": "string", "maxLength": 5000},
                "inspected_on": _DATE,
                "inspector_ids": _IDS,
                "committee_member_ids": _IDS,
                "version": {
                    "type": "integer",
                    "description": "the version you edited: required with good_points; a stale "
                    "one is 409 `stale_version` with the inspection as it is now in "
                    "`error.current`",
                },
            },
        },
        "AnswerInput": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "value": {
                    "description": "as the item's answer kind takes it; null clears the answer"
                },
                "note": {"type": "string", "maxLength": 2000},
                "answered_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "when the device recorded it (on its own clock): an older "
                    "answer does not overwrite a newer one",
                },
                "sent_at": {
                    "type": "string",
                    "format": "date-time",
                    "description": "the device's clock when it sent this request: the server "
                    "moves answered_at by the difference to its own clock (device clocks are "
                    "not trusted)",
                },
                "client_id": {"type": "string", "maxLength": 64},
            },
        },
        "Answer": {
            "type": "object",
            "required": ["item_id", "value", "note", "answered_at", "scores"],
            "properties": {
                "item_id": {"type": "string"},
                "value": {},
                "note": {"type": "string"},
                "answered_at": {"type": ["string", "null"]},
                "scores": _SCORES,
            },
        },
    }
)

_PHOTO_UPLOAD = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["photo"],
                "properties": {
                    "photo": {"type": "string", "format": "binary"},
                    "kind": {"enum": ["before", "after", "verification"]},
                    "caption": {"type": "string", "maxLength": 300},
                    "client_id": {"type": "string", "maxLength": 64},
                },
            }
        }
    },
}

PATHS.update(
    {
        "/openapi.json": {
            "get": {
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": _json({"type": "object", "required": ["openapi", "paths"]}),
                    **_errors(400),
                },
            }
        },
        "/inspections": {
            "get": {
                "summary": "Inspections in the user's scope, newest first (committee: submitted "
                "ones and self-inspections of its factory)",
                "parameters": [
                    {"name": "factory_id", "in": "query", "schema": {"type": "integer"}},
                    {"name": "status", "in": "query", "schema": {"enum": ["draft", "submitted"]}},
                    {
                        "name": "client_id",
                        "in": "query",
                        "description": "the one this user started under this device id",
                        "schema": {"type": "string", "maxLength": 64},
                    },
                    {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                    {
                        "name": "per_page",
                        "in": "query",
                        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                    },
                ],
                "responses": {"200": _json(page_of("InspectionSummary")), **_errors(400, 401, 403)},
            },
            "post": {
                "summary": "Start a draft inspection on the latest version of a checklist",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("InspectionInput")}},
                },
                "responses": {
                    "201": _json(_ref("Inspection"), "Created"),
                    "200": _json(_ref("Inspection"), "Already started (same client_id)"),
                    **_errors(400, 401, 403, 404, 409, 422),
                },
            },
        },
        "/inspections/{inspection_id}": {
            "parameters": [_id_param("inspection_id")],
            "get": {
                "summary": "One inspection with answers, findings and scores",
                "responses": {"200": _json(_ref("Inspection")), **READ_ERRORS},
            },
            "patch": {
                "summary": "Change a draft's header; 409 `inspection_submitted` once submitted",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("InspectionPatch")}},
                },
                "responses": {"200": _json(_ref("Inspection")), **WRITE_ERRORS},
            },
        },
        "/inspections/{inspection_id}/answers/{item_id}": {
            "parameters": [
                _id_param("inspection_id"),
                {"name": "item_id", "in": "path", "required": True, "schema": {"type": "string"}},
            ],
            "put": {
                "summary": "Save one answer (idempotent autosave); 404 `unknown_item`, 409 once "
                "submitted",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("AnswerInput")}},
                },
                "responses": {"200": _json(_ref("Answer")), **WRITE_ERRORS},
            },
        },
        "/inspections/{inspection_id}/findings": {
            "parameters": [_id_param("inspection_id")],
            "post": {
                "summary": "Record a finding (risk from likelihood × severity); a replayed "
                "`client_id` answers 200 with the first one, 409 with a different body",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("FindingInput")}},
                },
                "responses": {
                    "201": _json(_ref("Finding"), "Created"),
                    "200": _json(_ref("Finding"), "Already stored (same client_id)"),
                    **WRITE_ERRORS,
                },
            },
        },
        "/inspections/{inspection_id}/submit": {
            "parameters": [_id_param("inspection_id")],
            "post": {
                "summary": "Submit: check completeness (422 `incomplete` with the items), freeze "
                "the scores, lock the inspection (409 when already submitted)",
                "responses": {
                    "200": _json(_ref("Inspection")),
                    **_errors(400, 401, 403, 404, 409, 422),
                },
            },
        },
        "/findings/{finding_id}": {
            "parameters": [_id_param("finding_id")],
            "get": {
                "summary": "One finding with its photos",
                "responses": {"200": _json(_ref("Finding")), **READ_ERRORS},
            },
            "patch": {
                "summary": "Change a finding of a draft; a stale `version` → 409 with "
                "`error.current`",
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("FindingPatch")}},
                },
                "responses": {"200": _json(_ref("Finding")), **WRITE_ERRORS},
            },
        },
        "/findings/{finding_id}/photos": {
            "parameters": [_id_param("finding_id")],
            "post": {
                "summary": "Add a photo to a finding of a draft (re-encoded, metadata stripped)",
                "requestBody": _PHOTO_UPLOAD,
                "responses": {
                    "201": _json(_ref("Photo"), "Created"),
                    "200": _json(_ref("Photo"), "Already stored (same client_id)"),
                    **UPLOAD_ERRORS,
                },
            },
        },
        "/photos/{photo_id}": {
            "parameters": [_id_param("photo_id")],
            "delete": {
                "summary": "Remove a finding's photo while the inspection is a draft",
                "responses": {
                    "204": {"description": "Removed"},
                    **_errors(400, 401, 403, 404, 409),
                },
            },
        },
    }
)
