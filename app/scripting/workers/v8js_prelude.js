// The runtime of a v8js script, evaluated in a fresh QuickJS context for
// every run (app/scripting/workers/v8js_worker.py).
//
// The whole file is one function expression. The worker calls it with
// `apiCall` (the Python bridge for platform.api: strings in, a JSON string
// out) and the output limit, ahead of the run, while the worker is idle; it
// defines the script's globals (console, print, DreamFactory's exception
// classes) and returns control(name, argument), which drives the run:
//   init(inputJson)  event and platform from {event, platform}, as globals;
//   start(fn)        calls the compiled script function(event, platform) once;
//   finish()         the outcome as a JSON string {event, value, output, error}
//                    (after the worker has run every pending job).
// Nothing the script can reach leads outside this context except apiCall.
(function (apiCall, outputLimit) {
  "use strict";

  // The built-ins the runtime itself uses, taken before any script runs: a
  // script replacing JSON.stringify or Promise.prototype.then changes its own
  // code's behaviour, not how its result gets back.
  const { stringify, parse } = JSON;
  const defineProperty = Object.defineProperty;
  const isInteger = Number.isInteger;
  const promiseThen = Promise.prototype.then;
  const promiseResolve = Promise.resolve.bind(Promise);
  const apply = Reflect.apply;
  const InternalErrorClass = InternalError;

  // --- DreamFactory's exception classes (business-logic.txt's table) ------
  // The same constructors, statuses and codes as the Node.js engine's.

  const REASONS = {
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
    501: "Not Implemented", 503: "Service Unavailable",
  };

  const errorLike = (x) => x !== null && typeof x === "object" && typeof x.message === "string";

  class DFException extends Error {
    // DFException(message, code, context), or DFException(otherException):
    // a 500 carrying the wrapped exception's message, code and context.
    constructor(message, code, context) {
      if (errorLike(message)) {
        const inner = message;
        code = inner.code != null ? inner.code : inner.status_code;
        context = inner.context;
        message = inner.message;
      }
      super(message == null ? REASONS[500] : String(message));
      this.status_code = 500;
      this.code = code == null ? null : code;
      this.context = context === undefined ? null : context;
    }
    get name() {
      return this.constructor.name;
    }
  }

  class RestException extends DFException {
    // RestException(status, message, code, context): any status; anything
    // but an HTTP status number as the first argument gives a 500.
    constructor(status, message, code, context) {
      const valid = isInteger(status) && status >= 100 && status <= 599;
      const st = valid ? status : 500;
      super(message == null ? REASONS[st] || "Error" : message, code, context);
      this.status_code = st;
    }
  }

  const exceptionClasses = { DFException, DfException: DFException, RestException };
  for (const [name, status] of [
    ["BadRequestException", 400], ["UnauthorizedException", 401], ["ForbiddenException", 403],
    ["NotFoundException", 404], ["ConflictResourceException", 409],
    ["TooManyRequestsException", 429], ["InternalServerErrorException", 500],
    ["NotImplementedException", 501], ["ServiceUnavailableException", 503],
    ["InvalidJsonException", 400],
  ]) {
    const cls = class extends RestException {
      constructor(message, code, context) {
        super(status, message, code, context);
      }
    };
    exceptionClasses[name] = defineProperty(cls, "name", { value: name });
  }
  exceptionClasses.ConflictException = exceptionClasses.ConflictResourceException;
  const { BadRequestException } = exceptionClasses;

  class BatchException extends RestException {
    // BatchException(resources, message, code): the context lists which
    // entries are exceptions ("error": their indexes) and every entry, the
    // exceptions as error bodies ("resource").
    constructor(resources, message, code) {
      const list = Array.isArray(resources) ? resources : [resources];
      const failed = [];
      const resource = list.map((item, index) => {
        if (!errorLike(item)) return item;
        failed.push(index);
        const status = item.status_code || 500;
        return {
          code: item.code != null ? item.code : status,
          context: item.context === undefined ? null : item.context,
          message: item.message,
          status_code: status,
        };
      });
      super(400, message == null ? "Batch Error" : message, code == null ? 1000 : code, { error: failed, resource });
    }
  }
  exceptionClasses.BatchException = BatchException;

  // --- console / print: lines kept in this context, capped -----------------

  const output = [];
  let outputChars = 0;
  let truncated = false;

  function show(value) {
    if (typeof value === "string") return value;
    if (value instanceof Error) return value.name + ": " + value.message;
    if (typeof value === "function") return "[Function " + (value.name || "anonymous") + "]";
    if (value === undefined || typeof value === "symbol" || typeof value === "bigint") return String(value);
    try {
      const text = stringify(value);
      return text === undefined ? String(value) : text;
    } catch (e) {
      return String(value);
    }
  }

  function log(...args) {
    for (const line of args.map(show).join(" ").split("\n")) {
      if (outputChars >= outputLimit) {
        if (!truncated) {
          truncated = true;
          output.push("[output truncated at " + outputLimit + " characters]");
        }
        return;
      }
      const kept = line.slice(0, outputLimit - outputChars);
      outputChars += kept.length + 1;
      output.push(kept);
    }
  }

  const console = { log: log, info: log, warn: log, error: log, debug: log, trace: log, dir: log };

  // --- platform.api: synchronous calls through the worker's pipe -----------

  const VERBS = ["GET", "POST", "PUT", "PATCH", "DELETE"];

  function plain(result) {
    return {
      status_code: result.status_code,
      content: result.content,
      content_type: result.content_type === undefined ? null : result.content_type,
      headers: result.headers || {},
    };
  }

  function thenable(result) {
    // The result is a plain object, and a thenable too (a non-enumerable
    // `then`), so Node's promise forms work unchanged: `await
    // platform.api.get(...)` and `platform.api.get(...).then(r => ...)` see
    // a plain copy.
    const value = plain(result);
    defineProperty(value, "then", {
      value: (onFulfilled, onRejected) => apply(promiseThen, promiseResolve(plain(result)), [onFulfilled, onRejected]),
      enumerable: false,
    });
    return value;
  }

  function isOptions(value) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
    const keys = Object.keys(value);
    return keys.length > 0 && keys.every((key) => key === "headers" || key === "parameters");
  }

  // platform.api.<verb>(path[, payload[, options]][, callback(body, response)])
  // → {status_code, content, content_type, headers}, after calling back.
  function call(verb, args) {
    const method = String(verb || "").toUpperCase();
    if (!VERBS.includes(method)) throw new BadRequestException("Unsupported method '" + verb + "'.");
    const callback = args.length && typeof args[args.length - 1] === "function" ? args.pop() : null;
    let [target, payload = null, options = null] = args;
    if (typeof target !== "string" || target === "") {
      throw new BadRequestException("platform.api needs a service path or URL.");
    }
    if (method === "GET" && options === null && isOptions(payload)) {
      [payload, options] = [null, payload]; // get(url, options, callback), as in the docs
    }
    if (options === null || typeof options !== "object" || Array.isArray(options)) options = {};
    const answer = parse(apiCall(method, target, stringify(payload), stringify(options)));
    if (answer.error) {
      throw new RestException(answer.error.status_code || 500, answer.error.message, answer.error.code);
    }
    const result = answer.result;
    if (callback) {
      const content = result.content;
      const body = typeof content === "string" ? content : content == null ? "" : stringify(content);
      const response = Object.assign(plain(result), {
        statusCode: result.status_code,
        statusMessage: REASONS[result.status_code] || (result.status_code < 400 ? "OK" : ""),
      });
      callback(body, response);
    }
    return thenable(result);
  }

  const api = { call: (verb, ...args) => call(verb, args) };
  for (const verb of VERBS) api[verb.toLowerCase()] = (...args) => call(verb, args);

  // --- the event and its Node-style helpers, set by init -------------------

  let event = null;
  let platform = null;
  let returned;
  let setReturnValue;
  let hasReturned = false;
  const helpers = {
    setResponse(content, statusCode, contentType) {
      const headers = event.response && event.response.headers ? event.response.headers : {};
      event.response = {
        content: content,
        status_code: statusCode || 200,
        content_type: contentType || "application/json",
        headers: headers,
      };
    },
    setRequest(request) {
      event.request = request;
    },
    setReturn(value) {
      setReturnValue = value;
      hasReturned = true;
    },
  };

  function define(name, value) {
    defineProperty(globalThis, name, { value: value, enumerable: false, writable: true, configurable: true });
  }

  function init(inputJson) {
    const input = parse(inputJson);
    event = input.event && typeof input.event === "object" ? input.event : {};
    for (const [name, fn] of Object.entries(helpers)) {
      defineProperty(event, name, { value: fn, enumerable: false, writable: true, configurable: true });
    }
    const given = input.platform || {};
    platform = { api: api, config: given.config || {}, session: given.session || {} };
    define("event", event);
    define("platform", platform);
  }

  for (const [name, value] of Object.entries(Object.assign({ console, print: log }, exceptionClasses))) {
    define(name, value);
  }

  // --- the run ----------------------------------------------------------------

  let state = "pending";
  let failure = null;

  function lineOf(error) {
    const where = /<input>:(\d+)/.exec(String(error.stack));
    return where ? " (line " + where[1] + ")" : "";
  }

  // What a script threw → the error the client sees (as the Node.js engine):
  // an exception class, or any object with a numeric status_code, keeps its
  // status, code and context; Error gives a 500 with its message; other
  // errors (TypeError...) add their name and line; anything else (`throw
  // "text"`) becomes a 500 with its text.
  function describe(error) {
    if (error === null) {
      // QuickJS throws null when it cannot even allocate its "out of memory"
      // error; a script throwing null itself is reported the same way.
      return { status_code: 500, message: "out of memory", code: null, context: null, class: "MemoryLimit" };
    }
    if (typeof error === "object") {
      if (error instanceof InternalErrorClass && error.message === "out of memory") {
        return { status_code: 500, message: "out of memory", code: null, context: null, class: "MemoryLimit" };
      }
      const dfClass = typeof error.status_code === "number";
      const status = dfClass && isInteger(error.status_code) && error.status_code >= 100 && error.status_code <= 599 ? error.status_code : 500;
      let message = error.message === undefined ? show(error) : String(error.message);
      const name = typeof error.name === "string" ? error.name : "";
      if (!dfClass && name && name !== "Error" && error instanceof Error) message = name + ": " + message + lineOf(error);
      let context = error.context === undefined ? null : error.context;
      try {
        if (stringify(context, jsonValue) === undefined) context = null;
      } catch (e) {
        context = null;
      }
      return {
        status_code: status,
        message: message,
        code: isInteger(error.code) ? error.code : null,
        context: context,
        class: dfClass && name ? name : "InternalServerErrorException",
      };
    }
    return { status_code: 500, message: String(error), code: null, context: null, class: "InternalServerErrorException" };
  }

  function jsonValue(key, value) {
    return typeof value === "bigint" ? value.toString() : value;
  }

  // The outcome when the event or value cannot be JSON (a cycle, a throwing
  // toJSON): written by hand, since stringify would meet the same toJSON.
  function unconvertible(reason) {
    let why;
    try {
      why = reason !== null && typeof reason === "object" && typeof reason.message === "string" ? reason.message : "" + reason;
    } catch (e) {
      why = "unknown reason";
    }
    let lines = "";
    for (let i = 0; i < output.length; i++) lines += (i ? "," : "") + stringify("" + output[i]);
    const message = stringify("Script result could not be converted to JSON: " + why);
    return '{"event":null,"value":null,"output":[' + lines + '],"error":{"status_code":500,"message":' + message + ',"code":null,"context":null,"class":"InternalServerErrorException"}}';
  }

  const hooks = {
    init: init,
    start(fn) {
      let promise;
      try {
        promise = fn(event, platform);
      } catch (error) {
        state = "rejected";
        failure = error;
        return;
      }
      apply(promiseThen, promiseResolve(promise), [
        (value) => {
          state = "fulfilled";
          returned = value;
        },
        (error) => {
          state = "rejected";
          failure = error;
        },
      ]);
    },
    finish() {
      let error = null;
      if (state === "rejected") {
        try {
          error = describe(failure);
        } catch (e) {
          // e.g. a thrown object whose `message` getter throws
          error = { status_code: 500, message: "Script threw an unreadable error.", code: null, context: null, class: "InternalServerErrorException" };
        }
      } else if (state === "pending") {
        error = {
          status_code: 500,
          message: "Script did not finish: it waits on a promise that never settles.",
          code: null,
          context: null,
          class: "InternalServerErrorException",
        };
      }
      let value = error ? null : returned;
      if (value == null && !error && hasReturned) value = setReturnValue;
      try {
        return stringify({ event: event, value: value === undefined ? null : value, output: output, error: error }, jsonValue);
      } catch (e) {
        return unconvertible(e);
      }
    },
  };
  return (name, argument) => hooks[name](argument);
});
