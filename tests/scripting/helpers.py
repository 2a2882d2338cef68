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

# The Node.js versions, in DreamFactory's Node idioms (callbacks, promises, setResponse).
NODEJS_EXAMPLES = {
    "validate_input": """
var payload = event.request.payload;
payload.resource.forEach(function (record) {
    if (!('name' in record)) throw new Error('Missing name.');
    if (!('complete' in record)) throw new Error('Missing complete.');
    if (record.name.length < 3) throw new Error('Name must be at least 3 characters.');
});
""",
    "transform_response": """
var responseBody = event.response.content;
responseBody.resource.forEach(function (record) {
    record.title = record.name + ' (' + (record.complete ? 'done' : 'open') + ')';
    delete record.complete;
});
event.response.content = responseBody;
""",
    # scripting.txt's "Stopping Script Execution", as written
    "stop_with_status": """
// Stop execution if verbs other than GET are used in Custom Scripting Service
if (event.request.method !== "GET") {
    // will result in a 500 back to client with the given message.
    throw "Only HTTP GET is allowed on this endpoint.";
}
// Stop execution and return a specific status code
if (event.resource !== "test") {
    event.response.status_code = 400;
    event.response.content = {"error": "Invalid resource requested."};
    return;
}
// defaults to 200 status code
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
var api_path = 'db/_table/todo';
var method = event.request.method;
var options = {parameters: event.request.parameters};
if (event.resource && event.resource !== '') {
    api_path = api_path + '/' + event.resource;
}
var payload = event.request.payload ? event.request.payload : null;
switch (method) {
    case 'GET': return await platform.api.get(api_path, payload, options);
    case 'POST': return await platform.api.post(api_path, payload, options);
    case 'PUT': return await platform.api.put(api_path, payload, options);
    case 'PATCH': return await platform.api.patch(api_path, payload, options);
    case 'DELETE': return await platform.api.delete(api_path, payload, options);
    default: return {message: 'Invalid verb.'};
}
""",
    # business-logic.txt's "NodeJS Custom Logging": a callback that reports the insert
    "custom_logging": """
var payload = {
    api_key: platform.session.api_key,
    user_email: platform.session.user ? platform.session.user.email : null,
    path: event.request.uri
};
var table = "db/_table/transaction_history";
platform.api.post(table, {"resource": [payload]}, '', function(body, response){
    console.log(response.statusCode + " " + response.statusMessage);
});
""",
    "dynamic_headers": """
var url = 'system/service/' + event.request.parameters.service_id;
platform.api.get(url, null, null, function (body) {
    var configAuth = JSON.parse(body);
    configAuth.config.headers[0].value = 'Bearer ' + event.request.parameters.token;
    platform.api.patch(url, configAuth, {}, function (patched, response) {
        event.setResponse(JSON.parse(patched), response.statusCode);
    });
});
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
var successfulCall = {"Name": "Tomo", "Location": "London"};
throw new BatchException([errorOne, successfulCall, errorTwo], 'Some failed requests');
""",
    "df_exception": """
var error = new BadRequestException('Missing Location');
throw new DFException(error);
""",
}
for _name, _script in NODEJS_EXAMPLES.items():
    EXAMPLES[_name]["nodejs"] = _script
THROW["nodejs"] = "throw new {call};"

# The PHP versions: business-logic.txt's PHP examples as written, on the sample todo table.
PHP_EXAMPLES = {
    "validate_input": """
$payload = $event['request']['payload'];

foreach($payload['resource'] as $record){

    if(!array_key_exists('name', $record)){
        throw new \\Exception('Missing name.');
    }

    if(!array_key_exists('complete', $record)){
        throw new \\Exception('Missing complete.');
    }

    if(strlen($record['name']) < 3){
        throw new \\Exception('Name must be at least 3 characters.');
    }
}
""",
    "transform_response": """
$responseBody = $event['response']['content'];

foreach ($responseBody['resource'] as $n => $record) {
    $record["title"] = $record["name"] . " (" . ($record["complete"] ? "done" : "open") . ")";
    unset($record["complete"]);
    $responseBody['resource'][$n] = $record;
}

$event['response']['content'] = $responseBody;
""",
    "stop_with_status": """
if ($event['request']['method'] !== 'GET') {
    throw new \\Exception('Only HTTP GET is allowed on this endpoint.');
}
if ($event['resource'] !== 'test') {
    $event['response']['status_code'] = 400;
    $event['response']['content'] = ['error' => 'Invalid resource requested.'];
    return;
}
$event['response']['content'] = ['test' => 'value'];
""",
    "missing_filter": """
if (! array_key_exists('filter', $event['request']['parameters'])) {
    if (array_key_exists('coded', $event['request']['parameters'])) {
        throw new \\DreamFactory\\Core\\Exceptions\\BadRequestException('Missing filter', 123456);
    }
    throw new \\DreamFactory\\Core\\Exceptions\\BadRequestException('Missing filter');
}
""",
    # "Obfuscate Table Endpoints (PHP)", as written
    "obfuscate_table": """
// Set up the platform object with shortcuts to each verb
$api = $platform['api'];
$get = $api->get;
$post = $api->post;
$put = $api->put;
$patch = $api->patch;
$delete = $api->delete;

$api_path = 'db/_table/todo'; // the service/_table/tablename you wish to obfuscate
$method = $event['request']['method']; // get the HTTP Method
// copy params from the request to the options object
$options['parameters'] = $event['request']['parameters'];

// if there are additional resources in the request path add them to our request path
if ( $event['resource'] && $event['resource'] != '' ) {
    $api_path = $api_path . '/' . $event['resource'];
}

if ( $event['request']['payload'] ) { // if the payload is not empty assign it to the payload var
    $payload = $event['request']['payload'];
} else { //else make the payload null
    $payload = null;
}

switch ( $method ) { // Determine which verb to use when making our api call
    case 'GET':
        $result = $get ( $api_path, $payload, $options );
        break;
    case 'POST':
        $result = $post ( $api_path, $payload, $options );
        break;
    case 'PUT':
        $result = $put ( $api_path, $payload, $options );
        break;
    case 'PATCH':
        $result = $patch ( $api_path, $payload, $options );
        break;
    case 'DELETE':
        $result = $delete ( $api_path, $payload, $options );
        break;
    default:
        $result['message'] = 'Invalid verb.';
        break;
}

return $result; // return the data response to the client
""",
    "custom_logging": """
$payload = [
    'api_key' => $platform['session']['api_key'],
    'user_email' => $platform['session']['user']['email'] ?? null,
    'path' => $event['request']['uri'],
];
$post = $platform['api']->post;
$result = $post('db/_table/transaction_history', ['resource' => [$payload]]);
echo $result['status_code'] . " logged\\n";
""",
    # "PHP Dynamic Authorization Headers", as written but for the service and header named
    # by the request
    "dynamic_headers": """
// Configuring variables
$url = 'system/service/' . $event['request']['parameters']['service_id'];
$api = $platform['api'];
$get = $api->get;
$options = [];

// Retrieve the service details
$calling = $get($url);
$configAuth = $calling["content"];

// Set the new Auth Header for the Service
$configAuth["config"]["headers"][0]["value"] = 'Bearer ' . $event['request']['parameters']['token'];

// Setting the payload to have the new Auth Header
$payload = $configAuth;

// Execute a PATCH to replace the previous Auth Header of the Service
$patch = $api->patch;
$result = $patch($url, $payload, $options);

return $result;
""",
    "route_on_method": """
if ($event['request']['method'] == "POST") {
    $event['response']['status_code'] = 201;
    $event['response']['content'] = ['created' => $event['request']['payload']];
} elseif ($event['request']['method'] == "GET") {
    $event['response']['content'] = ['hello' => $event['resource'] ?: 'world'];
} else {
    throw new \\DreamFactory\\Core\\Exceptions\\NotImplementedException(
        $event['request']['method'] . ' is not supported here.');
}
""",
    # business-logic.txt's BatchException example, as written
    "batch_exception": """
$errorOne = new \\DreamFactory\\Core\\Exceptions\\BadRequestException('Missing Name');
$errorTwo = new \\DreamFactory\\Core\\Exceptions\\BadRequestException('Missing Location');
$successfulCall = array("Name"=>"Tomo", "Location"=>"London");
$errorArray = array($errorOne, $successfulCall, $errorTwo);
throw new \\DreamFactory\\Core\\Exceptions\\BatchException($errorArray,'Some failed requests');
""",
    "df_exception": """
$error = new \\DreamFactory\\Core\\Exceptions\\BadRequestException('Missing Location');
throw new \\DreamFactory\\Core\\Exceptions\\DFException($error);
""",
}
for _name, _script in PHP_EXAMPLES.items():
    EXAMPLES[_name]["php"] = _script
THROW["php"] = "throw new \\DreamFactory\\Core\\Exceptions\\{call};"
