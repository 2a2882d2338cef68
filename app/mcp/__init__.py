"""The Model Context Protocol entry point: AI agents call services through MCP tools.

One protocol core (``protocol``) answers JSON-RPC messages for one caller, an
``Actor`` authenticated as for REST; two transports hand it messages: HTTP at
``/mcp`` (``app.blueprints.mcp``, Streamable HTTP, stateless: JSON answers, no
SSE stream, no session) and stdio (``flask mcp stdio``, ``stdio``). Each message
says its protocol revision (``revisions``): 2026-07-28's per-request ``_meta``, or
the revision an older client negotiated with ``initialize``. The tools
(``tools``) and resources (``resources``) are cut to what the caller's role
reaches (``reach``), and every tool call is a ``ServiceRequest`` through the
dispatcher (``calls``): the same access checks, record filters, event scripts
and usage limits as a REST call with requestor API, and the same JSON as answer.
"""
