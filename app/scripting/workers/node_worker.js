'use strict';
/*
 * The program every warm Node.js script worker runs (see app/scripting/engines/nodejs.py).
 *
 * It speaks the NDJSON protocol of app/scripting/engine.py on a dedicated pipe pair
 * whose fds are its two last arguments (`node node_worker.js READ_FD WRITE_FD`, see
 * app/scripting/process.py), so a script writing to stdout cannot corrupt it. One run
 * at a time:
 *
 *  - every script runs in its own `vm` context (a spare one is prepared while the worker
 *    is idle, so a new script does not wait for it) holding DreamFactory's Node idioms:
 *    `event` with setRequest/setResponse/setReturn,
 *    `platform.api.get|post|put|patch|delete|call` (callback form `(body, response)` and
 *    promise form), `platform.config`, `platform.session`, `console.*` (captured as output
 *    lines), timers, `require`, and the exception classes as global constructors
 *    (`throw new NotFoundException('gone')`);
 *  - the script is the body of an async function, so `return` and `await` work at its
 *    top level and its `var`s are its own; `event` and `platform` are new for every run;
 *  - a script's context is kept for its next run after a clean run, minus any global the
 *    run added (`x = 1` without a declaration); after an error or a timeout it is dropped.
 *    Creating a context per run would cost every run ~0.3 ms and the garbage collector
 *    pauses of several ms; what can still carry over between runs of the same script is a
 *    change to a built-in (`Array.prototype.x = ...`), never anything of another script;
 *  - the run ends when the script has returned (or its promise settled) and none of its
 *    callbacks, timers (but unref()ed ones), platform.api calls or other pending I/O
 *    remain, when it throws (also from a callback or an unhandled rejection), or when its
 *    time is up; a run that leaves child processes or I/O it started behind asks the pool
 *    to replace the worker (`"recycle": true`);
 *  - code entering the script (its body, callbacks, timers) runs under a `vm` timeout, so
 *    a busy loop there ends the run cleanly; a loop in a promise continuation cannot be
 *    interrupted from inside and is left to the pool, which kills and replaces the worker.
 *
 * `require` loads Node built-ins and installed modules (the working directory's
 * node_modules, NODE_PATH, the global node_modules folders), except the built-ins that
 * start processes or reach into this one (child_process, cluster, worker_threads, vm,
 * ...). This is not a sandbox (DreamFactory reports Node.js as not sandboxed): what bounds
 * a script is the pool's operating-system limits and its clean environment.
 */

const fs = require('fs');
const Module = require('module');
const net = require('net');
const path = require('path');
const util = require('util');
const vm = require('vm');

/** fds of the protocol pipes: the two last arguments. */
const IN_FD = Number(process.argv[process.argv.length - 2]);
const OUT_FD = Number(process.argv[process.argv.length - 1]);

/** Bytes of printed output kept per run; the rest is dropped with a note. */
const OUTPUT_MAX_BYTES = 64 * 1024;

/** Milliseconds before the run's deadline at which the worker gives up by itself, so it
 * answers (and stays warm) before the pool, which enforces the same deadline, kills it. */
const DEADLINE_MARGIN_MS = 50;

/** Script contexts kept, keyed by source (least recently used dropped first). */
const CONTEXT_CACHE_SIZE = 32;

/** Built-in modules scripts may not load: they start processes or reach into this one. */
const DENIED_MODULES = new Set([
  'child_process', 'cluster', 'worker_threads', 'vm', 'v8', 'inspector', 'repl',
  'module', 'process', 'trace_events', 'wasi',
]);

/** Default messages of the exception classes, by status (the Python engine's too). */
const REASONS = {};
for (const [status, text] of Object.entries(require('http').STATUS_CODES)) {
  REASONS[status] = `${text}.`;
}

/** Environment variables that look like secrets are dropped even if the pool passed them. */
for (const key of Object.keys(process.env)) {
  if (/^DF_|SECRET|PASSWORD|TOKEN|DATABASE_URL|_KEY$/i.test(key)) delete process.env[key];
}

// Open stdout and stderr now, so their handles count as the worker's own, not as work a
// script left pending.
void process.stdout;
void process.stderr;

// ---------------------------------------------------------------- the context prelude

/* Runs inside each new context: DreamFactory's exception classes as globals. */
const PRELUDE = new vm.Script(`
(function (reasons) {
  const errorLike = (x) => x !== null && typeof x === 'object' && typeof x.message === 'string';
  class DFException extends Error {
    constructor(message, code, context) {
      let status = 500;
      if (errorLike(message)) {           // DFException(otherException): wrap it in a 500
        const inner = message;
        code = inner.code != null ? inner.code : inner.status_code;
        context = inner.context;
        message = inner.message;
      }
      super(message == null || message === '' ? reasons[status] : String(message));
      this.status_code = status;
      this.code = code == null ? null : code;   // null: the status code (see describe)
      this.context = context === undefined ? null : context;
    }
    get name() { return this.constructor.name; }
  }
  class RestException extends DFException {
    constructor(status, message, code, context) {
      const st = Number.isInteger(status) && status >= 100 && status <= 599 ? status : 500;
      super(message == null || message === '' ? (reasons[st] || 'Error.') : message, code, context);
      this.status_code = st;
    }
  }
  const byStatus = (status) => class extends RestException {
    constructor(message, code, context) { super(status, message, code, context); }
  };
  const named = (name, cls) => Object.defineProperty(cls, 'name', {value: name});
  const classes = {DFException, RestException};
  for (const [name, status] of [
    ['BadRequestException', 400], ['UnauthorizedException', 401], ['ForbiddenException', 403],
    ['NotFoundException', 404], ['ConflictResourceException', 409],
    ['TooManyRequestsException', 429], ['InternalServerErrorException', 500],
    ['NotImplementedException', 501], ['ServiceUnavailableException', 503],
    ['InvalidJsonException', 400]]) {
    classes[name] = named(name, byStatus(status));
  }
  class BatchException extends RestException {
    constructor(resources, message, code) {
      const list = Array.isArray(resources) ? resources : [resources];
      const failed = [];
      const resource = list.map((item, i) => {
        if (!errorLike(item)) return item;
        failed.push(i);
        const status = item.status_code || 500;
        return {code: Number.isInteger(item.code) ? item.code : status,
                context: item.context === undefined ? null : item.context,
                message: item.message, status_code: status};
      });
      super(400, message == null || message === ''
        ? 'Batch Error: Not all requests could be completed.' : message,
      code == null ? 1000 : code,
            {error: failed, resource});
    }
  }
  classes.BatchException = BatchException;
  classes.DfException = DFException;
  classes.ConflictException = classes.ConflictResourceException;
  for (const [name, cls] of Object.entries(classes)) {
    Object.defineProperty(globalThis, name, {value: cls, writable: true, configurable: true});
  }
})
`, {filename: 'df-prelude.js'});

/* Removes the globals a run added (`x = 1` without a declaration), keeping those in `keep`. */
const CLEANER = new vm.Script(`(function (keep) {
  for (const name of Object.getOwnPropertyNames(globalThis)) {
    if (!keep.has(name)) {
      try { delete globalThis[name]; } catch (err) { /* not configurable: leave it */ }
    }
  }
})`, {filename: 'df-cleaner.js'});

/* Calls `__df_call.fn(...__df_call.args)` inside a context, under a vm timeout. */
const INVOKE = new vm.Script(
  '(function (c) { __df_call = null; return c.fn.apply(undefined, c.args); })(__df_call)',
  {filename: 'df-invoke.js'});

// ---------------------------------------------------------------- protocol

/** Writes one protocol message (the pipe is blocking; the loop only guards EAGAIN). */
function send(message) {
  const buffer = Buffer.from(JSON.stringify(message, jsonSafe) + '\n');
  let offset = 0;
  while (offset < buffer.length) {
    try {
      offset += fs.writeSync(OUT_FD, buffer, offset);
    } catch (err) {
      if (err.code !== 'EAGAIN') throw err;
    }
  }
}

/** JSON.stringify replacer: BigInts as strings (JSON has no other form for them). */
function jsonSafe(key, value) {
  return typeof value === 'bigint' ? String(value) : value;
}

// ---------------------------------------------------------------- contexts

/** Builds a context whose host functions act for `slot.run` (set when a run takes it). */
function newContext() {
  const slot = {run: null};
  const sandbox = {};
  const ctx = vm.createContext(sandbox, {name: 'df-script'});
  PRELUDE.runInContext(ctx)(REASONS);
  const realm = vm.runInContext('({Error, JSON, Promise})', ctx);
  const host = {ctx, slot, realm};
  const globals = {
    console: makeConsole(slot),
    setTimeout: (fn, ms, ...args) => addTimer(slot.run, fn, ms, args, false),
    setInterval: (fn, ms, ...args) => addTimer(slot.run, fn, ms, args, true),
    setImmediate: (fn, ...args) => addTimer(slot.run, fn, 0, args, false),
    clearTimeout: (id) => clearTimer(slot.run, id),
    clearInterval: (id) => clearTimer(slot.run, id),
    clearImmediate: (id) => clearTimer(slot.run, id),
    queueMicrotask: (fn) => realm.Promise.resolve().then(() => fn()),
    require: (name) => scriptRequire(host, name),
    Buffer, URL, URLSearchParams, TextEncoder, TextDecoder, atob, btoa, structuredClone,
    __df_call: null,
  };
  for (const [name, value] of Object.entries(globals)) {
    Object.defineProperty(sandbox, name, {value, writable: true, configurable: true});
  }
  host.clean = CLEANER.runInContext(ctx);
  host.keep = new Set(vm.runInContext('Object.getOwnPropertyNames(globalThis)', ctx));
  return host;
}

let spare = null;

/** The context the next run will use (created now if none is waiting). */
function nextContext() {
  if (spare === null) spare = newContext();
  return spare;
}

function takeContext() {
  const host = nextContext();
  spare = null;
  return host;
}

function prepareSpare() {
  setImmediate(() => {
    if (spare === null) spare = newContext();
  }).unref();
}

/** Contexts by script source: `{host, fn}`, fn being the script's async function. */
const contexts = new Map();

/**
 * The context and function of a script: the one kept from its last clean run, or a new one
 * (the spare) with the script compiled into it. Throws the SyntaxError of a bad script.
 */
function scriptContext(source) {
  let entry = contexts.get(source);
  if (entry !== undefined) {
    contexts.delete(source);
    contexts.set(source, entry);
    return entry;
  }
  const script = new vm.Script(`(async function (event, platform) {${source}\n})`,
    {filename: 'script.js'});
  const host = takeContext();
  entry = {source, host, fn: script.runInContext(host.ctx)};
  contexts.set(source, entry);
  if (contexts.size > CONTEXT_CACHE_SIZE) contexts.delete(contexts.keys().next().value);
  return entry;
}

/** After a run: a clean one leaves its context ready for the script's next run (its
 * stray globals removed); a failed one's context is dropped. */
function release(run, error) {
  const entry = run.entry;
  if (entry === null) return;
  entry.host.slot.run = null;
  if (error !== null) {
    if (contexts.get(entry.source) === entry) contexts.delete(entry.source);
    return;
  }
  try {
    entry.host.clean(entry.host.keep);
  } catch (err) {
    contexts.delete(entry.source);
  }
}

/** A copy of plain JSON data made of `realm`'s own objects and arrays. */
function adopt(realm, value) {
  return value === undefined ? undefined : realm.JSON.parse(JSON.stringify(value));
}

// ---------------------------------------------------------------- script globals

function makeConsole(slot) {
  const log = (...args) => output(slot.run, util.format(...args));
  return {log, info: log, warn: log, error: log, debug: log, trace: log,
    dir: (obj) => output(slot.run, util.inspect(obj))};
}

function output(run, text) {
  if (!run || run.finished) return;
  for (const line of String(text).split('\n')) {
    if (run.outputBytes >= OUTPUT_MAX_BYTES) {
      if (!run.truncated) {
        run.truncated = true;
        run.output.push(`[output truncated at ${OUTPUT_MAX_BYTES} bytes]`);
      }
      return;
    }
    const kept = line.slice(0, OUTPUT_MAX_BYTES - run.outputBytes);
    run.outputBytes += Buffer.byteLength(kept) + 1;
    run.output.push(kept);
  }
}

const TIMER_ID = Symbol('timer id');

/**
 * A script's setTimeout/setInterval: a host timer whose callback runs under the vm timeout.
 * The run waits for it unless the script unref()s it (as Node would not stay alive for it);
 * the returned object has Node's ref/unref/hasRef/refresh and converts to its number.
 */
function addTimer(run, fn, ms, args, repeat) {
  if (!run || run.finished) return undefined;
  if (typeof fn !== 'function') throw new run.host.realm.Error('callback must be a function');
  const id = ++run.timerSeq;
  const entry = {handle: null, ref: true};
  const fire = () => {
    if (!repeat) run.timers.delete(id);
    run.firing += 1;            // this timer still counts as active until it returns
    invoke(run, fn, args);
    run.firing -= 1;
    settle(run);
  };
  const delay = Math.max(0, Number(ms) || 0);
  entry.handle = repeat ? setInterval(fire, delay) : setTimeout(fire, delay);
  run.timers.set(id, entry);
  const timer = {
    ref() { entry.ref = true; return timer; },
    unref() { entry.ref = false; settle(run); return timer; },
    hasRef() { return entry.ref; },
    refresh() { entry.handle.refresh(); return timer; },
    [Symbol.toPrimitive]() { return id; },
    [TIMER_ID]: id,
  };
  return timer;
}

function clearTimer(run, timer) {
  if (!run) return;
  const id = timer !== null && typeof timer === 'object' ? timer[TIMER_ID] : Number(timer);
  const entry = run.timers.get(id);
  if (entry !== undefined) {
    clearTimeout(entry.handle);
    run.timers.delete(id);
    settle(run);
  }
}

/** Timers the run waits for (not unref()ed). */
function waitedTimers(run) {
  let count = 0;
  for (const entry of run.timers.values()) if (entry.ref) count += 1;
  return count;
}

function scriptRequire(host, name) {
  const id = String(name);
  const bare = id.startsWith('node:') ? id.slice(5) : id;
  const builtin = Module.isBuiltin ? Module.isBuiltin(id)      // Node 18.6+
    : Module.builtinModules.includes(bare);
  if (builtin) {
    if (DENIED_MODULES.has(bare.split('/')[0])) {
      throw new host.realm.Error(`Module '${id}' is not available to scripts.`);
    }
    return require(id);
  }
  for (const base of moduleRoots()) {
    try {
      return Module.createRequire(path.join(base, 'noop.js'))(id);
    } catch (err) {
      if (err.code !== 'MODULE_NOT_FOUND') throw err;
    }
  }
  throw new host.realm.Error(`Cannot find module '${id}'.`);
}

let roots = null;

/** Folders installed modules are loaded from: cwd, NODE_PATH, the global node_modules. */
function moduleRoots() {
  if (roots === null) {
    const prefix = path.resolve(path.dirname(process.execPath), '..');
    roots = [process.cwd(),
      ...(process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean),
      path.join(prefix, 'lib', 'node_modules'), '/usr/local/lib/node_modules',
      '/usr/lib/node_modules', '/usr/share/nodejs'];
    roots = [...new Set(roots)].filter((dir) => fs.existsSync(dir));
  }
  return roots;
}

// ---------------------------------------------------------------- the way out

/*
 * An isolated worker (app/scripting/isolation.py) has no network but a forward proxy at
 * HTTPS_PROXY. Node 20 does not read that variable, so every connection of the `http` and
 * `https` modules' default agents (and of libraries built on them: axios, got, node-fetch)
 * and of the built-in `fetch` goes through a CONNECT tunnel to it instead. Connections are
 * not kept alive, so none outlives the run that opened it.
 */
function installEgress(proxyUrl) {
  const http = require('http');
  const https = require('https');
  const tls = require('tls');
  const proxy = new URL(proxyUrl);

  /** A socket tunnelled to host:port through the proxy: callback(err, socket). A library
   * that reads the proxy variables itself (axios) talks to the proxy directly. */
  function tunnel(host, port, callback) {
    if (String(host) === proxy.hostname && Number(port) === Number(proxy.port)) {
      const direct = net.connect(Number(proxy.port), proxy.hostname);
      direct.once('connect', () => callback(null, direct));
      direct.once('error', (err) => callback(err));
      return;
    }
    let done = false;
    const finish = (err, socket) => { if (!done) { done = true; callback(err, socket); } };
    const socket = net.connect(Number(proxy.port), proxy.hostname);
    const target = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
    socket.once('error', (err) => finish(err));
    socket.once('connect', () => {
      socket.write(`CONNECT ${target}:${port} HTTP/1.1\r\nHost: ${target}:${port}\r\n\r\n`);
    });
    let head = Buffer.alloc(0);
    const onData = (chunk) => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.removeListener('data', onData);
      const status = Number(head.toString('latin1', 0, end).split(' ')[1]);
      if (status !== 200) {
        const reason = head.toString('utf8', end + 4).trim() || `proxy answered ${status}`;
        socket.destroy();
        const err = new Error(`Cannot connect to ${host}:${port}: ${reason}`);
        err.code = status === 403 ? 'EACCES' : 'ECONNREFUSED';
        finish(err);
        return;
      }
      const rest = head.subarray(end + 4);
      if (rest.length) socket.unshift(rest);
      finish(null, socket);
    };
    socket.on('data', onData);
  }

  function secure(socket, options, callback) {
    const secured = tls.connect({...options, socket, servername: options.servername || options.host});
    secured.once('secureConnect', () => callback(null, secured));
    secured.once('error', (err) => callback(err));
  }

  class TunnelAgent extends http.Agent {
    createConnection(options, callback) {
      tunnel(options.host || 'localhost', options.port || 80, callback);
    }
  }
  class SecureTunnelAgent extends https.Agent {
    createConnection(options, callback) {
      tunnel(options.host || 'localhost', options.port || 443, (err, socket) =>
        err ? callback(err) : secure(socket, options, callback));
    }
  }
  http.globalAgent = new TunnelAgent({keepAlive: false});
  https.globalAgent = new SecureTunnelAgent({keepAlive: false});

  // fetch: undici's global dispatcher (shared through this documented symbol) gets a
  // connector that tunnels the same way. Its Agent class is the default dispatcher's.
  const key = Symbol.for('undici.globalDispatcher.1');
  const install = () => {
    const Agent = globalThis[key] && globalThis[key].constructor;
    if (typeof Agent !== 'function') return;
    globalThis[key] = new Agent({
      pipelining: 0,
      connect(options, callback) {
        const port = Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
        tunnel(options.hostname, port, (err, socket) => {
          if (err) return callback(err);
          if (options.protocol !== 'https:') return callback(null, socket);
          secure(socket, {host: options.hostname, servername: options.servername,
            ALPNProtocols: ['http/1.1']}, callback);
        });
      },
    });
  };
  if (typeof fetch === 'function') {
    return fetch('data:,').then(install, install);
  }
  return Promise.resolve();
}

// ---------------------------------------------------------------- platform and event

const VERBS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

function makePlatform(run, data) {
  const call = (verb, ...args) => apiCall(run, verb, args);
  const api = {call};
  for (const verb of VERBS) api[verb.toLowerCase()] = (...args) => apiCall(run, verb, args);
  return {api, config: data.config || {}, session: data.session || {}};
}

function isOptions(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    && Object.keys(value).length > 0
    && Object.keys(value).every((key) => key === 'headers' || key === 'parameters');
}

/** platform.api.<verb>(path[, payload[, options]][, callback]) → a promise of the result. */
function apiCall(run, verb, args) {
  const realm = run.host.realm;
  const method = String(verb || '').toUpperCase();
  if (!VERBS.includes(method)) throw new realm.Error(`Unsupported method '${verb}'.`);
  const callback = typeof args[args.length - 1] === 'function' ? args.pop() : null;
  let [target, payload = null, options = null] = args;
  if (typeof target !== 'string' || target === '') {
    throw new realm.Error('platform.api needs a service path or URL.');
  }
  if (method === 'GET' && options === null && isOptions(payload)) {
    [payload, options] = [null, payload];   // get(url, options, callback), as in the docs
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options)) options = {};
  const callId = ++run.callSeq;
  const promise = new realm.Promise((resolve) => run.calls.set(callId, {resolve, callback}));
  send({op: 'api', id: run.id, call: callId, method, path: target,
    payload: payload === undefined ? null : payload, options: plainOptions(options)});
  return callback ? undefined : promise;
}

function plainOptions(options) {
  const plain = {};
  for (const [key, value] of Object.entries(options)) {
    if (typeof value !== 'function') plain[key] = value;
  }
  plain.headers = plain.headers && typeof plain.headers === 'object' ? plain.headers : {};
  plain.parameters = plain.parameters && typeof plain.parameters === 'object'
    ? plain.parameters : {};
  return plain;
}

function deliver(run, message) {
  const pending = run.calls.get(message.call);
  if (pending === undefined) return;
  run.calls.delete(message.call);
  const result = message.result || {};
  if (pending.callback) {
    const content = result.content;
    const body = typeof content === 'string' ? content
      : content === undefined || content === null ? '' : JSON.stringify(content);
    const response = {...result, statusCode: result.status_code,
      statusMessage: require('http').STATUS_CODES[result.status_code] || '',
      headers: result.headers || {}};
    invoke(run, pending.callback, [body, response]);
  } else {
    pending.resolve(result);
  }
  settle(run);
}

function decorateEvent(run, event) {
  const helpers = {
    setRequest(request) { event.request = request; },
    setResponse(content, statusCode, contentType) {
      const headers = event.response && event.response.headers ? event.response.headers : {};
      event.response = {content, status_code: statusCode || 200,
        content_type: contentType || 'application/json', headers};
    },
    setReturn(value) { run.returned = {value}; },
  };
  for (const [name, fn] of Object.entries(helpers)) {
    Object.defineProperty(event, name, {value: fn, enumerable: false, configurable: true,
      writable: true});
  }
  return event;
}

// ---------------------------------------------------------------- runs

let current = null;

function startRun(message) {
  if (current !== null) {
    send({op: 'done', id: message.id, event: message.event || {}, value: null, output: [],
      error: {status_code: 500, message: 'Script worker is busy.', code: null, context: null,
        class: 'Crash'}});
    return;
  }
  const timeout = Math.max(0.001, Number(message.timeout) || 5);
  const run = {
    id: message.id, name: message.name, started: Date.now(), timeout,
    timeoutMs: Math.max(timeout * 1000 - DEADLINE_MARGIN_MS, timeout * 500),
    event: message.event && typeof message.event === 'object' ? message.event : {},
    output: [], outputBytes: 0, truncated: false, calls: new Map(), callSeq: 0,
    timers: new Map(), timerSeq: 0, firing: 0, mainDone: false, value: null, returned: null,
    finished: false, host: null, entry: null, deadline: null, baseline: null,
  };
  current = run;
  run.baseline = activeKinds();
  run.deadline = setTimeout(() => fail(run, timeoutError(run)), run.timeoutMs);
  run.deadline.unref();
  try {
    run.entry = scriptContext(typeof message.script === 'string' ? message.script : '');
  } catch (err) {
    finish(run, err instanceof SyntaxError ? syntaxError(run, err) : describe(err));
    return;
  }
  run.host = run.entry.host;
  run.host.slot.run = run;
  const realm = run.host.realm;
  run.event = adopt(realm, run.event);
  const event = decorateEvent(run, run.event);
  const platform = makePlatform(run, adopt(realm, message.platform || {}));
  const promise = invoke(run, run.entry.fn, [event, platform]);
  if (run.finished) return;
  promise.then((value) => {
    run.mainDone = true;
    run.value = value;
    settle(run);
  }, (err) => fail(run, err));
}

/** Calls script code with the run's remaining time as a vm timeout; a throw fails the run. */
function invoke(run, fn, args) {
  if (run.finished) return undefined;
  const remaining = run.timeoutMs - (Date.now() - run.started);
  if (remaining <= 0) {
    fail(run, timeoutError(run));
    return undefined;
  }
  run.host.ctx.__df_call = {fn, args};
  try {
    return INVOKE.runInContext(run.host.ctx, {timeout: Math.ceil(remaining)});
  } catch (err) {
    fail(run, err && err.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT' ? timeoutError(run) : err);
    return undefined;
  }
}

/** How many active handles, requests and timers of each kind the process has. */
function activeKinds() {
  const kinds = new Map();
  for (const kind of process.getActiveResourcesInfo()) kinds.set(kind, (kinds.get(kind) || 0) + 1);
  return kinds;
}

/** Pending work the run started outside platform.api and timers: I/O of a required module. */
function foreignWork(run) {
  let count = 0;
  for (const [kind, n] of activeKinds()) {
    if (kind === 'Immediate') continue;
    const timers = run.timers.size + run.firing;
    const own = (run.baseline.get(kind) || 0) + (kind === 'Timeout' ? timers : 0);
    count += Math.max(0, n - own);
  }
  return count;
}

/** Whether this worker has child processes (a script reached child_process anyway). */
function hasChildren() {
  try {
    return fs.readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').trim() !== '';
  } catch (err) {
    return false;
  }
}

/** Finishes the run once its body has settled and nothing it started is still pending. */
function settle(run) {
  if (run.finished || !run.mainDone) return;
  setImmediate(() => {
    if (run.finished || !run.mainDone) return;
    if (run.calls.size > 0 || waitedTimers(run) > 0) return;
    if (foreignWork(run) > 0) {
      setTimeout(() => settle(run), 1).unref();
      return;
    }
    finish(run, null);
  });
}

function fail(run, err) {
  if (run.finished) return;
  finish(run, describe(err));
}

function timeoutError(run) {
  return {df_error: {status_code: 504,
    message: `Script '${run.name}' did not finish within ${run.timeout} s and was stopped.`,
    code: null, context: null, class: 'Timeout'}};
}

function syntaxError(run, err) {
  const where = /script\.js:(\d+)/.exec(String(err && err.stack));
  const line = where ? ` at line ${where[1]}` : '';
  return {status_code: 500,
    message: `Script '${run.name}' has a syntax error${line}: ${err.message}`, code: null,
    context: null, class: 'SyntaxError'};
}

/**
 * Maps whatever a script threw to the error the client sees: an exception class (or any
 * object with a numeric `status_code`) keeps its status, code (the status when none was
 * given) and context; a plain `Error` gives a 500 with its message; other errors
 * (TypeError...) add their name and line; anything else (`throw "text"`) becomes a 500
 * with its text.
 */
function describe(err) {
  if (err && err.df_error) return err.df_error;
  if (err !== null && typeof err === 'object') {
    const name = typeof err.name === 'string' && err.name ? err.name : 'Error';
    let message = err.message === undefined ? safeJson(err) : String(err.message);
    let context = err.context === undefined ? null : err.context;
    if (safeJson(context) === undefined) context = null;
    if (typeof err.status_code === 'number') {
      const status = Number.isInteger(err.status_code) && err.status_code >= 100
        && err.status_code <= 599 ? err.status_code : 500;
      return {status_code: status, message, code: Number.isInteger(err.code) ? err.code : status,
        context, class: name};
    }
    if (name !== 'Error' && typeof err.stack === 'string') {
      const where = /script\.js:(\d+)/.exec(err.stack);
      message = `${name}: ${message}${where ? ` (line ${where[1]})` : ''}`;
    }
    return {status_code: 500, message, code: null, context: null, class: name};
  }
  return {status_code: 500, message: err === undefined ? 'undefined' : String(err), code: null,
    context: null, class: 'Error'};
}

function safeJson(value) {
  try {
    return JSON.stringify(value, jsonSafe);
  } catch (err) {
    return String(value);
  }
}

function finish(run, error) {
  if (run.finished) return;
  run.finished = true;
  clearTimeout(run.deadline);
  for (const entry of run.timers.values()) clearTimeout(entry.handle);
  run.timers.clear();
  const leftovers = run.calls.size > 0 || foreignWork(run) > 0 || hasChildren();
  run.calls.clear();
  release(run, error);
  current = null;
  let value = error ? null : run.value;
  if ((value === null || value === undefined) && !error && run.returned) value = run.returned.value;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') value = null;
  try {
    send({op: 'done', id: run.id, event: run.event, value, output: run.output, error,
      recycle: leftovers});
  } catch (err) {
    send({op: 'done', id: run.id, event: {}, value: null, output: run.output, recycle: leftovers,
      error: {status_code: 500,
        message: `Script result could not be converted to JSON: ${err.message.split('\n')[0]}`,
        code: null, context: null, class: 'InternalServerErrorException'}});
  }
  // With leftovers (work outside our bookkeeping that could call into a later run, child
  // processes) the worker asked to be recycled: the pool kills it and all it started, which
  // it could not do as well once this process had exited and its children were orphans.
  prepareSpare();
}

process.on('unhandledRejection', (reason) => {
  if (current !== null) fail(current, reason);
});
process.on('uncaughtException', (err) => {
  if (current !== null) fail(current, err);
});

// ---------------------------------------------------------------- main loop

/**
 * Handles one protocol line. An api result is parsed by the running script's JSON, so the
 * script gets its own realm's objects and arrays (`instanceof Array` holds); a run's event
 * is copied into its context once the context is known.
 */
function handle(line) {
  let message;
  try {
    message = (current !== null && current.host ? current.host.realm.JSON : JSON).parse(line);
  } catch (err) {
    return;
  }
  if (message.op === 'run') {
    startRun(message);
  } else if (message.op === 'api_result' && current !== null && message.id === current.id) {
    deliver(current, message);
  }
}

const input = new net.Socket({fd: IN_FD, readable: true, writable: false});
let parts = [];   // the pieces of a line not finished yet (a big event spans many chunks)
input.setEncoding('utf8');
input.on('data', (chunk) => {
  let start = 0;
  let newline = chunk.indexOf('\n');
  while (newline !== -1) {
    parts.push(chunk.slice(start, newline));
    const line = parts.length === 1 ? parts[0] : parts.join('');
    parts = [];
    if (line.length > 0) handle(line);
    start = newline + 1;
    newline = chunk.indexOf('\n', start);
  }
  if (start < chunk.length) parts.push(chunk.slice(start));
});
input.on('end', () => process.exit(0));
input.on('error', () => process.exit(0));
nextContext();
if (process.env.HTTPS_PROXY) {
  installEgress(process.env.HTTPS_PROXY).then(() => send({op: 'ready'}));
} else {
  send({op: 'ready'});
}
