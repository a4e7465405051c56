"""The OpenAPI 3.1 description of the JSON API (hand-written; a test checks that every
path here is a real route that answers, with the parameters it names)."""

from __future__ import annotations

from typing import Any

from bot.web.listing import API_MAX_DAYS, API_MAX_LIMIT, DEFAULT_DAYS, PER_PAGE


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


def _ok(description: str, schema: str) -> dict[str, Any]:
    return {
        "200": {"description": description, "content": _json(schema)},
        "304": {"description": "Not modified (If-None-Match / If-Modified-Since)"},
        "400": {"$ref": "#/components/responses/Error"},
    }


def _json(schema: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}


_LIMIT = {"type": "integer", "minimum": 1, "maximum": API_MAX_LIMIT, "default": PER_PAGE}
_NUMBERS = {
    "probability": {"type": "number", "description": "calibrated probability, 0–1"},
    "percentile": {
        "type": ["number", "null"],
        "description": "share of the window scoring at or below, 0–100",
    },
    "top_percent": {"type": ["number", "null"], "description": "100 − percentile ('Top 0.1%')"},
    "lift": {"type": ["number", "null"], "description": "times the window's average probability"},
}


def _schemas() -> dict[str, Any]:
    journal = {
        "type": "object",
        "required": ["name", "slug", "papers", "url"],
        "properties": {
            "name": {"type": "string"},
            "slug": {"type": "string"},
            "papers": {"type": "integer"},
            "publisher": {"type": ["string", "null"]},
            "issns": {"type": "array", "items": {"type": "string"}},
            "url": {"type": "string"},
            "rss": {"type": "string"},
            "json_feed": {"type": "string"},
        },
    }
    preprint = {
        "type": "object",
        "required": ["rank", "id", "title", "probability"],
        "properties": {
            "rank": {"type": "integer"},
            "id": {"type": "string"},
            "title": {"type": "string"},
            "authors": {"type": "array", "items": {"type": "string"}},
            "date": {"type": "string", "format": "date"},
            "server": {"type": "string"},
            "category": {"type": ["string", "null"]},
            "doi": {"type": ["string", "null"]},
            "url": {"type": ["string", "null"]},
            "abstract": {"type": "string"},
            "model_version": {"type": "string"},
            **_NUMBERS,
        },
    }
    ranked_journal = {
        "type": "object",
        "required": ["rank", "journal", "probability"],
        "properties": {"rank": {"type": "integer"}, "journal": {"type": "string"}, **_NUMBERS},
    }
    return {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {"error": {"type": "string"}},
        },
        "Journal": journal,
        "JournalList": {
            "type": "object",
            "required": ["journals"],
            "properties": {
                "query": {"type": ["string", "null"]},
                "journals": {"type": "array", "items": {"$ref": "#/components/schemas/Journal"}},
            },
        },
        "RankedPreprints": {
            "type": "object",
            "required": ["journal", "days", "preprints"],
            "properties": {
                "journal": {"$ref": "#/components/schemas/Journal"},
                "days": {"type": "integer"},
                "server": {"type": ["string", "null"]},
                "category": {"type": ["string", "null"]},
                "based_on_papers": {"type": "integer"},
                "average_probability": {"type": ["number", "null"]},
                "matching": {
                    "type": "integer",
                    "description": "preprints passing the filters among the window's best 5,000",
                },
                "matching_capped": {
                    "type": "boolean",
                    "description": "the window has more than 5,000 preprints for this journal",
                },
                "preprints": {"type": "array", "items": preprint},
            },
        },
        "PreprintJournals": {
            "type": "object",
            "required": ["preprint", "journals"],
            "properties": {
                "preprint": {"type": "object"},
                "journals": {"type": "array", "items": ranked_journal},
            },
        },
        "MatchRequest": {
            "type": "object",
            "description": "either text (or title + abstract), or doi/url",
            "properties": {
                "title": {"type": "string"},
                "abstract": {"type": "string"},
                "text": {"type": "string"},
                "doi": {"type": "string"},
                "url": {"type": "string"},
            },
        },
        "MatchResult": {
            "type": "object",
            "required": ["model_version", "journals"],
            "properties": {
                "paper": {"type": "object"},
                "model_version": {"type": "string"},
                "journals": {"type": "array", "items": ranked_journal},
            },
        },
    }


def openapi_document(public_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "rxradar API",
            "version": "1",
            "description": "Preprints ranked by how well they fit each journal. Read-only "
            "answers carry ETag and Last-Modified; send them back to get 304.",
        },
        "servers": [{"url": public_url}],
        "paths": {
            "/api/journals": {
                "get": {
                    "summary": "Find journals (custom profiles are never listed)",
                    "parameters": [
                        _query(
                            "q",
                            "words of the journal's name; empty: the largest journals",
                            {"type": "string", "maxLength": 200},
                        ),
                        _query("limit", "how many journals", _LIMIT),
                    ],
                    "responses": _ok("Journals, best match first", "JournalList"),
                }
            },
            "/api/journals/{slug}/preprints": {
                "get": {
                    "summary": "A journal's ranked preprints",
                    "parameters": [
                        _path("slug", "the journal's slug, as in /journals/{slug}"),
                        _query(
                            "days",
                            "posted in the last N days",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": API_MAX_DAYS,
                                "default": DEFAULT_DAYS,
                            },
                        ),
                        _query("limit", "how many preprints", _LIMIT),
                        _query("server", "biorxiv, medrxiv, arxiv, …", {"type": "string"}),
                        _query("category", "the preprint's (first) category", {"type": "string"}),
                    ],
                    "responses": {
                        **_ok("Preprints, best match first", "RankedPreprints"),
                        "404": {"$ref": "#/components/responses/Error"},
                    },
                }
            },
            "/api/preprints/{id}/journals": {
                "get": {
                    "summary": "The journals a stored preprint fits best (where might it land?)",
                    "parameters": [_path("id", "the preprint's id: its DOI, or arxiv:ID")],
                    "responses": {
                        **_ok("Journals, best fit first", "PreprintJournals"),
                        "404": {"$ref": "#/components/responses/Error"},
                    },
                }
            },
            "/api/match": {
                "post": {
                    "summary": "Rank journals for a title and abstract, or a DOI/URL (not stored)",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/MatchRequest"}
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Journals, best fit first",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/MatchResult"}
                                }
                            },
                        },
                        "400": {"$ref": "#/components/responses/Error"},
                        "413": {"$ref": "#/components/responses/Error"},
                        "415": {"$ref": "#/components/responses/Error"},
                        "429": {"$ref": "#/components/responses/Error"},
                        "503": {"$ref": "#/components/responses/Error"},
                    },
                }
            },
        },
        "components": {
            "schemas": _schemas(),
            "responses": {
                "Error": {
                    "description": "What is wrong and what to send instead",
                    "content": _json("Error"),
                }
            },
        },
    }
