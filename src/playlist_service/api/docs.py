"""An offline documentation page rendered from the contract (no CDN, no JavaScript).

The page lists every operation grouped by tag (method, path, summary, description,
security, parameters, request body, responses) and every component schema, with ``$ref``
links between them. All text from the spec is HTML-escaped.
"""

from __future__ import annotations

import html
from typing import Any

import yaml

__all__ = ["render_docs"]

_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

_CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:0 auto;padding:1rem 2rem;
color:#1d1d1f}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-top:1rem}
.op{border:1px solid #ddd;border-radius:6px;margin:1rem 0;padding:.5rem 1rem}
.m{display:inline-block;min-width:4.5rem;font-weight:700;text-transform:uppercase}
.get{color:#0a7}.post{color:#06c}.delete{color:#c22}.put,.patch{color:#b70}
code,pre{font:13px ui-monospace,monospace;background:#f5f5f7;border-radius:4px}
pre{padding:.5rem;overflow:auto}table{border-collapse:collapse}
td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
nav a{margin-right:1rem}.muted{color:#666}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _anchor(*parts: str) -> str:
    return "-".join(
        "".join(ch if ch.isalnum() else "-" for ch in part).strip("-").lower() for part in parts
    )


def _schema_html(schema: Any) -> str:
    if isinstance(schema, dict) and set(schema) == {"$ref"}:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        return f'<a href="#schema-{_anchor(name)}"><code>{_e(name)}</code></a>'
    text = yaml.safe_dump(schema, sort_keys=False, allow_unicode=True).rstrip()
    return f"<pre>{_e(text)}</pre>"


def _resolve(spec: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    ref = item.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return item
    node: Any = spec
    for part in ref[2:].split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _operation(spec: dict[str, Any], path: str, method: str, op: dict[str, Any]) -> str:
    out = [f'<div class="op" id="{_anchor(method, path)}">']
    out.append(f'<div><span class="m {method}">{method}</span> <code>{_e(path)}</code>')
    if op.get("summary"):
        out.append(f" — {_e(op['summary'])}")
    out.append("</div>")
    if op.get("description"):
        out.append(f"<p>{_e(op['description'])}</p>")
    security = op.get("security", spec.get("security", []))
    out.append(
        '<p class="muted">Authentication: '
        + ("session token" if security else "none")
        + (f" · operationId <code>{_e(op['operationId'])}</code>" if "operationId" in op else "")
        + "</p>"
    )
    params = [_resolve(spec, p) for p in op.get("parameters", [])]
    if params:
        out.append(
            "<table><tr><th>parameter</th><th>in</th><th>required</th><th>schema</th>"
            "<th>description</th></tr>"
        )
        out.extend(
            f"<tr><td><code>{_e(p.get('name', ''))}</code></td><td>{_e(p.get('in', ''))}</td>"
            f"<td>{'yes' if p.get('required') else 'no'}</td>"
            f"<td>{_schema_html(p.get('schema', {}))}</td>"
            f"<td>{_e(p.get('description', ''))}</td></tr>"
            for p in params
        )
        out.append("</table>")
    body = op.get("requestBody")
    if body:
        body = _resolve(spec, body)
        out.append("<h4>Request body" + (" (required)" if body.get("required") else "") + "</h4>")
        for ctype, media in body.get("content", {}).items():
            out.append(f"<p><code>{_e(ctype)}</code></p>{_schema_html(media.get('schema', {}))}")
    out.append("<h4>Responses</h4><table><tr><th>status</th><th>description</th><th>body</th></tr>")
    for status, raw_response in op.get("responses", {}).items():
        response = _resolve(spec, raw_response)
        bodies = "".join(
            f"<code>{_e(ctype)}</code> {_schema_html(media.get('schema', {}))}"
            for ctype, media in response.get("content", {}).items()
        )
        out.append(
            f"<tr><td>{_e(status)}</td><td>{_e(response.get('description', ''))}</td>"
            f"<td>{bodies}</td></tr>"
        )
    out.append("</table></div>")
    return "".join(out)


def render_docs(spec: dict[str, Any]) -> str:
    """Render the contract as one self-contained HTML page."""
    info = spec.get("info", {})
    title = info.get("title", "API")
    by_tag: dict[str, list[str]] = {}
    tag_names = [t["name"] for t in spec.get("tags", [])]
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            op = item.get(method)
            if op is None:
                continue
            tag = (op.get("tags") or ["other"])[0]
            by_tag.setdefault(tag, []).append(_operation(spec, path, method, op))
    ordered = [t for t in tag_names if t in by_tag] + sorted(set(by_tag) - set(tag_names))
    tag_text = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f"<title>{_e(title)} API</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)} <small class=muted>{_e(info.get('version', ''))}</small></h1>",
        f"<p>{_e(info.get('summary', ''))}</p>",
        f"<pre>{_e(info.get('description', ''))}</pre>",
        '<p>Machine-readable contract: <a href="/openapi.yaml">/openapi.yaml</a></p><nav>',
        *(f'<a href="#tag-{_anchor(t)}">{_e(t)}</a>' for t in ordered),
        '<a href="#schemas">schemas</a></nav>',
    ]
    for tag in ordered:
        parts.append(f'<h2 id="tag-{_anchor(tag)}">{_e(tag)}</h2>')
        if tag_text.get(tag):
            parts.append(f"<p>{_e(tag_text[tag])}</p>")
        parts.extend(by_tag[tag])
    parts.append('<h2 id="schemas">Schemas</h2>')
    for name, schema in spec.get("components", {}).get("schemas", {}).items():
        parts.append(f'<h3 id="schema-{_anchor(name)}">{_e(name)}</h3>{_schema_html(schema)}')
    parts.append("</body></html>")
    return "".join(parts)
