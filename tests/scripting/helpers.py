"""Saving event scripts and scripted services through the API, for any script language.

Example scripts live in ``EXAMPLES[name][language]``; tests parametrize over
``languages(name)``, so adding another language's version of an example is
one dictionary entry (the Node.js, PHP and V8js engines add theirs).
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Api


def save_script(
    admin: Api,
    name: str,
    content: str,
    language: str = "python",
    *,
    allow: bool = True,
    active: bool = True,
    **fields: Any,
) -> None:
    """Create or replace the event script ``name`` (the admin UI's save)."""
    body = {
        "name": name,
        "type": language,
        "content": content,
        "is_active": active,
        "allow_event_modification": allow,
        **fields,
    }
    response = admin.post(f"system/event_script/{name}", json=body)
    assert response.status_code in (200, 201), response.get_json()


def create_script_service(
    admin: Api, name: str, content: str, language: str = "python", **config: Any
) -> int:
    """A scripted service named ``name`` running ``content``; returns its id."""
    body = {
        "name": name,
        "label": name.title(),
        "type": language,
        "is_active": True,
        "config": {"content": content, **config},
    }
    response = admin.post("system/service", json={"resource": [body]})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["resource"][0]["id"]


def languages(example: str) -> list[str]:
    return sorted(EXAMPLES[example])


EXAMPLES: dict[str, dict[str, str]] = {
    # business-logic.txt, "Validating Input Parameters" (pre_process on _table.<t>.post)
    "validate_input": {
        "python": """
payload = event.request.payload
for record in payload['resource']:
    if 'name' not in record:
        raise Exception('Missing name.')
    if 'complete' not in record:
        raise Exception('Missing complete.')
    if len(record['name']) < 3:
        raise Exception('Name must be at least 3 characters.')
""",
    },
    # "Transforming a Response" (post_process on _table.<t>.get)
    "transform_response": {
        "python": """
body = event.response.content
for record in body['resource']:
    record['title'] = record['name'] + ' (' + ('done' if record['complete'] else 'open') + ')'
    del record['complete']
event.response.content = body
""",
    },
    # "Stopping Script Execution": a 400 with a body when the resource is not "test"
    "stop_with_status": {
        "python": """
if event.request.method != 'GET':
    raise Exception('Only HTTP GET is allowed on this endpoint.')
if event.resource != 'test':
    event.response.status_code = 400
    event.response.content = {'error': 'Invalid resource requested.'}
    return
event.response.content = {'test': 'value'}
""",
    },
    # "Throwing An Exception": BadRequestException('Missing filter') with or without a code
    "missing_filter": {
        "python": """
if 'filter' not in event.request.parameters:
    if 'coded' in event.request.parameters:
        raise BadRequestException('Missing filter', 123456)
    raise BadRequestException('Missing filter')
""",
    },
    # "Obfuscate Table Endpoints": a scripted service forwarding to db/_table/todo
    "obfuscate_table": {
        "python": """
api_path = 'db/_table/todo'
method = event.request.method
options = {'parameters': event.request.parameters}
if event.resource:
    api_path = api_path + '/' + event.resource
payload = event.request.payload or None
verbs = {'GET': platform.api.get, 'POST': platform.api.post, 'PUT': platform.api.put,
         'PATCH': platform.api.patch, 'DELETE': platform.api.delete}
if method not in verbs:
    return {'message': 'Invalid verb.'}
return verbs[method](api_path, payload, options)
""",
    },
    # "Custom Logging": every GET writes who called into a history table
    "custom_logging": {
        "python": """
payload = {
    'api_key': platform.session.api_key,
    'user_email': platform.session.user.email if platform.session.user else None,
    'path': event.request.uri,
}
result = platform.api.post('db/_table/transaction_history', {'resource': [payload]})
print(str(result.status_code) + ' logged')
""",
    },
    # "Dynamic Authorization Headers": read a service's config and patch a header value
    "dynamic_headers": {
        "python": """
url = 'system/service/' + str(event.request.parameters['service_id'])
config = platform.api.get(url).content
config['config']['headers'][0]['value'] = 'Bearer ' + event.request.parameters['token']
return platform.api.patch(url, config)
""",
    },
    # A scripted service routing on the method ("$event['request']['method']")
    "route_on_method": {
        "python": """
method = event['request']['method']
if method == 'POST':
    event.response.status_code = 201
    event.response.content = {'created': event.request.payload}
elif method == 'GET':
    event.response.content = {'hello': event.resource or 'world'}
else:
    raise NotImplementedException(method + ' is not supported here.')
""",
    },
}

THROW: dict[str, str] = {"python": "raise {call}"}
"""How each language throws ``{call}``, e.g. ``NotFoundException('gone', 12)``."""

EXCEPTIONS = [
    # (constructor call, valid in Python, JavaScript and PHP after "new \\...\\"), status, code
    ("BadRequestException('Missing filter')", 400, 400),
    ("BadRequestException('Missing filter', 123456)", 400, 123456),
    ("UnauthorizedException('who are you')", 401, 401),
    ("ForbiddenException('not you')", 403, 403),
    ("NotFoundException('gone', 12)", 404, 12),
    ("ConflictResourceException('taken')", 409, 409),
    ("TooManyRequestsException('slow down')", 429, 429),
    ("InternalServerErrorException('broken')", 500, 500),
    ("NotImplementedException('later')", 501, 501),
    ("ServiceUnavailableException('resting')", 503, 503),
    ("InvalidJsonException('bad json')", 400, 400),
    ("RestException(418, 'Sorry Mate')", 418, 418),
]
"""business-logic.txt's exception table: what each class answers."""

EXAMPLES["batch_exception"] = {
    "python": """
error_one = BadRequestException('Missing Name')
error_two = BadRequestException('Missing Location')
successful = {'Name': 'Tomo', 'Location': 'London'}
raise BatchException([error_one, successful, error_two], 'Some failed requests')
""",
}
EXAMPLES["df_exception"] = {
    "python": """
error = BadRequestException('Missing Location')
raise DfException(error)
""",
}

# The v8js versions, as DreamFactory's V8js scripts are written (synchronous platform.api).
V8JS_EXAMPLES = {
    "validate_input": """
var payload = event.request.payload;
payload.resource.forEach(function (record) {
    if (!('name' in record)) throw 'Missing name.';
    if (!('complete' in record)) throw 'Missing complete.';
    if (record.name.length < 3) throw 'Name must be at least 3 characters.';
});
""",
    "transform_response": """
var body = event.response.content;
body.resource.forEach(function (record) {
    record.title = record.name + ' (' + (record.complete ? 'done' : 'open') + ')';
    delete record.complete;
});
event.response.content = body;
""",
    "stop_with_status": """
if (event.request.method !== "GET") {
    throw "Only HTTP GET is allowed on this endpoint.";
}
if (event.resource !== "test") {
    event.response.status_code = 400;
    event.response.content = {"error": "Invalid resource requested."};
    return;
}
event.response.content = {"test": "value"};
""",
    "missing_filter": """
if (!('filter' in event.request.parameters)) {
    if ('coded' in event.request.parameters) {
        throw new BadRequestException('Missing filter', 123456);
    }
    throw new BadRequestException('Missing filter');
}
""",
    "obfuscate_table": """
var apiPath = 'db/_table/todo';
var method = event.request.method;
var options = {parameters: event.request.parameters};
if (event.resource) {
    apiPath = apiPath + '/' + event.resource;
}
var payload = event.request.payload || null;
var verbs = {GET: platform.api.get, POST: platform.api.post, PUT: platform.api.put,
             PATCH: platform.api.patch, DELETE: platform.api.delete};
if (!verbs[method]) {
    return {message: 'Invalid verb.'};
}
return verbs[method](apiPath, payload, options);
""",
    "custom_logging": """
var payload = {
    api_key: platform.session.api_key,
    user_email: platform.session.user ? platform.session.user.email : null,
    path: event.request.uri
};
var result = platform.api.post('db/_table/transaction_history', {resource: [payload]});
console.log(result.status_code + ' logged');
""",
    "dynamic_headers": """
var url = 'system/service/' + event.request.parameters.service_id;
var config = platform.api.get(url).content;
config.config.headers[0].value = 'Bearer ' + event.request.parameters.token;
return platform.api.patch(url, config);
""",
    "route_on_method": """
var method = event.request.method;
if (method === 'POST') {
    event.response.status_code = 201;
    event.response.content = {created: event.request.payload};
} else if (method === 'GET') {
    event.response.content = {hello: event.resource || 'world'};
} else {
    throw new NotImplementedException(method + ' is not supported here.');
}
""",
    "batch_exception": """
var errorOne = new BadRequestException('Missing Name');
var errorTwo = new BadRequestException('Missing Location');
var successful = {Name: 'Tomo', Location: 'London'};
throw new BatchException([errorOne, successful, errorTwo], 'Some failed requests');
""",
    "df_exception": """
var error = new BadRequestException('Missing Location');
throw new DFException(error);
""",
}
for _name, _script in V8JS_EXAMPLES.items():
    EXAMPLES[_name]["v8js"] = _script
THROW["v8js"] = "throw new {call};"
