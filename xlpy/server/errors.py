"""The one JSON error shape of the HTTP service, and the handlers that map every failure onto it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from xlpy.errors import TOO_LARGE_CODES, InputError, RenderError, XlpyError

log = logging.getLogger("xlpy.server")

# Default Chinese messages for statuses raised by FastAPI/Starlette themselves.
STATUS_ZH = {
    400: "请求格式错误",
    401: "需要访问令牌：请填写管理员提供的访问令牌后重试。",
    403: "没有访问权限",
    404: "请求的地址不存在",
    405: "该地址不支持此请求方法",
    413: "上传的文件过大",
    415: "不支持的文件类型",
    422: "请求参数不正确",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误，请稍后再试或联系管理员",
    503: "服务器繁忙，请稍后再试",
    504: "处理超时，请稍后再试",
}


class ApiError(Exception):
    """An error response to send as is: status, Chinese message, details."""

    def __init__(
        self,
        status: int,
        message: str | None = None,
        errors: list[Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message or STATUS_ZH.get(status, "请求失败"))
        self.status = status
        self.message = message or STATUS_ZH.get(status, "请求失败")
        self.errors = errors or []
        self.headers = headers


def error_body(status: int, message: str, errors: list[Any] | None = None) -> dict[str, Any]:
    """`{"ok": false, "error": …, "errors": […], "status": …}` — the shape of every 4xx/5xx body."""
    return {"ok": False, "error": message, "errors": list(errors or []), "status": status}


def error_response(
    status: int, message: str | None = None, errors: list[Any] | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    message = message or STATUS_ZH.get(status, "请求失败")
    return JSONResponse(error_body(status, message, errors), status_code=status, headers=headers)


def input_error(exc: InputError, *, prefix: str = "") -> ApiError:
    """An unusable upload as a 422 (or 413 for size-related refusals), findings in `errors`."""
    status = 413 if exc.code in TOO_LARGE_CODES else 422
    first: dict[str, Any] = {"code": str(exc.code), "message": prefix + exc.message}
    if exc.details.get("detail"):
        first["detail"] = str(exc.details["detail"])  # the library's words (never in the message)
    errors: list[Any] = [first]
    errors += [f.to_dict() if hasattr(f, "to_dict") else f for f in exc.findings]
    return ApiError(status, prefix + exc.message, errors)


def install(app: FastAPI) -> None:
    """Register handlers so that no response body ever leaves the app in another shape."""

    @app.exception_handler(ApiError)
    async def _api(request: Request, exc: ApiError) -> JSONResponse:
        return error_response(exc.status, exc.message, exc.errors, exc.headers)

    @app.exception_handler(InputError)
    async def _input(request: Request, exc: InputError) -> JSONResponse:
        api = input_error(exc)
        return error_response(api.status, api.message, api.errors)

    @app.exception_handler(RenderError)
    async def _render(request: Request, exc: RenderError) -> JSONResponse:
        log.error("render failed: %s", exc.message)
        return error_response(500, f"报告生成失败：{exc.message}")

    @app.exception_handler(XlpyError)
    async def _xlpy(request: Request, exc: XlpyError) -> JSONResponse:
        # RegisterError and friends: our own data files are broken — the deployer must act.
        log.error("xlpy error: %s", exc.message)
        return error_response(500, f"服务器配置错误：{exc.message}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) and _is_chinese(exc.detail) else None
        return error_response(exc.status_code, message, headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_zh_validation(e) for e in exc.errors()]
        message = "；".join(e["message"] for e in errors[:3]) or STATUS_ZH[422]
        return error_response(422, message, errors)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        # Logged with its traceback for the operator; the client gets a generic message only.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error_response(500)


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


_FIELD_ZH = {
    "file": "工作簿文件",
    "last_year": "上年度工作簿",
    "format": "报告格式",
    "draft": "草稿标记",
    "year": "报告年度",
    "org": "机关名称",
}


def _zh_validation(error: dict[str, Any]) -> dict[str, Any]:
    """One pydantic/FastAPI validation error in Chinese, keeping its location."""
    loc = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    name = loc[-1] if loc else ""
    label = _FIELD_ZH.get(name, name or "请求")
    kind = str(error.get("type", ""))
    if kind == "missing":
        text = f"缺少{label}"
    elif kind.startswith(("int_", "float_", "bool_")):
        text = f"{label}的取值不正确"
    elif kind in ("enum", "literal_error"):
        text = f"{label}的取值不在允许范围内"
    else:
        text = f"{label}不正确"
    return {"field": name, "type": kind, "message": text}
