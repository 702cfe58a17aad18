"""API errors as the Kubernetes API server reports them: a Status object with code and reason."""

from __future__ import annotations

from typing import Any

from kubia_tutor.api.kinds import ResourceType


class ApiError(Exception):
    """An error the API answers with; `status()` is the metav1.Status body it is sent as."""

    def __init__(
        self,
        code: int,
        reason: str,
        message: str,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details or {}

    def status(self) -> dict[str, Any]:
        """The Status object a real API server would return for this error."""
        body: dict[str, Any] = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body

    @classmethod
    def from_status(cls, body: dict[str, Any]) -> ApiError:
        """Rebuild the error a client received as a Status body."""
        return cls(
            int(body.get("code", 500)),
            str(body.get("reason", "")),
            str(body.get("message", "")),
            body.get("details") or {},
        )


def not_found(rt: ResourceType, name: str) -> ApiError:
    """`pods "x" not found`."""
    return ApiError(404, "NotFound", f'{rt.qualified} "{name}" not found',
                    {"name": name, "group": rt.group, "kind": rt.plural})


def already_exists(rt: ResourceType, name: str) -> ApiError:
    """`pods "x" already exists`."""
    return ApiError(409, "AlreadyExists", f'{rt.qualified} "{name}" already exists',
                    {"name": name, "group": rt.group, "kind": rt.plural})


def conflict(rt: ResourceType, name: str) -> ApiError:
    """The optimistic-concurrency failure, worded as the API server words it."""
    return ApiError(
        409, "Conflict",
        f'Operation cannot be fulfilled on {rt.qualified} "{name}": the object has been '
        "modified; please apply your changes to the latest version and try again",
        {"name": name, "group": rt.group, "kind": rt.plural},
    )


def invalid(kind: str, name: str, causes: list[tuple[str, str]]) -> ApiError:
    """A 422 with one cause per (field, message), formatted the way kubectl prints it."""
    if not causes:
        message = f'{kind} "{name}" is invalid'
    elif len(causes) == 1:
        field, msg = causes[0]
        message = f'{kind} "{name}" is invalid: {field}: {msg}'
    else:
        message = f'{kind} "{name}" is invalid: \n' + "\n".join(f"* {f}: {m}" for f, m in causes)
    return ApiError(422, "Invalid", message, {
        "name": name, "kind": kind,
        "causes": [{"field": f, "message": m} for f, m in causes],
    })


def bad_request(message: str) -> ApiError:
    """A 400 with a message."""
    return ApiError(400, "BadRequest", message)


def method_not_allowed() -> ApiError:
    """A verb the type does not serve."""
    return ApiError(405, "MethodNotAllowed",
                    "the server does not allow this method on the requested resource")


def gone(message: str) -> ApiError:
    """A watch from a compacted revision."""
    return ApiError(410, "Expired", message)
