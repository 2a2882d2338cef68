<?php
/*
 * The program every warm PHP script worker runs (see app/scripting/engines/php.py).
 *
 * It speaks the NDJSON protocol of app/scripting/engine.py on a dedicated pipe pair
 * whose fds are its two last arguments (`php php_worker.php READ_FD WRITE_FD`, see
 * app/scripting/process.py), so a script that echoes cannot corrupt it. One run at a
 * time, like DreamFactory's PHP engine:
 *
 *  - the script (an optional leading `<?php` and trailing `?>` removed) is the body of a
 *    closure `function (&$event, $platform)`; compiled closures are cached by source (so
 *    a `static` variable in a script keeps its value between that script's runs);
 *  - `$event` is an array; `$platform['api']` has get/post/put/patch/delete/call both as
 *    methods and as closure properties (`$get = $platform['api']->get; $get($url)`), each
 *    a synchronous call answered by the parent; `$platform['config']`, `$platform['session']`;
 *  - `echo`/`print`/`print_r` and warnings become output lines; `return` ends the script
 *    and its value is the result; `dd(...)` (Laravel's dump-and-die) ends it too, with the
 *    dumped value as the result;
 *  - `\DreamFactory\Core\Exceptions\*` carry status, code and context to the client;
 *  - time is bounded by the pool, which kills a worker whose run is past its deadline
 *    (PHP's own timers count whole seconds of CPU, too coarse to help); memory by the
 *    `memory_limit` the engine starts PHP with, reported as MemoryLimit.
 *
 * A worker serves many runs, so what a run leaves behind is undone or ends the worker:
 * ini settings and the working directory are restored after each run; after a run that
 * declared functions, classes or constants (which a second run would redeclare, a fatal
 * error) the answer asks the pool to replace the worker (`"recycle": true`); exit() and
 * fatal errors end the process after the answer. Process-starting functions
 * are disabled by the engine's php.ini flags. This is not a sandbox: DreamFactory reports
 * PHP as not sandboxed; the pool's operating-system limits and clean environment are what
 * bound a script.
 */

namespace DreamFactory\Core\Exceptions {

    /** DreamFactory's base exception: a 500 unless a subclass says otherwise. */
    class DfException extends \Exception
    {
        protected $statusCode = 500;
        protected $context = null;
        protected $givenCode = null;

        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            if ($message instanceof \Throwable) {   // DfException($otherException): wrap it
                $inner = $message;
                $message = $inner->getMessage();
                if ($code === null) {
                    $code = $inner instanceof DfException ? $inner->getDfCode() : $inner->getCode();
                }
                if ($context === null && $inner instanceof DfException) {
                    $context = $inner->getContext();
                }
                $previous = $previous ?? $inner;
            }
            $this->givenCode = is_int($code) ? $code : (is_numeric($code) ? (int) $code : null);
            $this->context = $context;
            parent::__construct(
                $message === null || $message === '' ? \DreamFactory\Worker\reason($this->statusCode)
                    : (string) $message,
                $this->givenCode ?? 0,
                $previous instanceof \Throwable ? $previous : null
            );
        }

        public function getStatusCode()
        {
            return $this->statusCode;
        }

        public function getContext()
        {
            return $this->context;
        }

        /** The code given to the constructor, or the status code when none was. */
        public function getDfCode()
        {
            return $this->givenCode ?? $this->statusCode;
        }

        public function toArray()
        {
            return [
                'code' => $this->getDfCode(),
                'context' => $this->context,
                'message' => $this->getMessage(),
                'status_code' => $this->statusCode,
            ];
        }
    }

    /** Any status: `new RestException(418, "Sorry Mate")`. */
    class RestException extends DfException
    {
        public function __construct($status, $message = null, $code = null, $previous = null, $context = null)
        {
            $status = (int) $status;
            $this->statusCode = $status >= 100 && $status <= 599 ? $status : 500;
            parent::__construct($message, $code, $previous, $context);
        }
    }

    class BadRequestException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(400, $message, $code, $previous, $context);
        }
    }

    class UnauthorizedException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(401, $message, $code, $previous, $context);
        }
    }

    class ForbiddenException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(403, $message, $code, $previous, $context);
        }
    }

    class NotFoundException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(404, $message, $code, $previous, $context);
        }
    }

    class ConflictResourceException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(409, $message, $code, $previous, $context);
        }
    }

    class TooManyRequestsException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(429, $message, $code, $previous, $context);
        }
    }

    class InternalServerErrorException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(500, $message, $code, $previous, $context);
        }
    }

    class NotImplementedException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(501, $message, $code, $previous, $context);
        }
    }

    class ServiceUnavailableException extends RestException
    {
        public function __construct($message = null, $code = null, $previous = null, $context = null)
        {
            parent::__construct(503, $message, $code, $previous, $context);
        }
    }

    class InvalidJsonException extends BadRequestException
    {
    }

    /**
     * Several results at once: the context lists the failed indexes and every item, an
     * exception as its error array, anything else as it is.
     */
    class BatchException extends BadRequestException
    {
        public function __construct($responses, $message = null, $code = null, $previous = null)
        {
            $failed = [];
            $resource = [];
            foreach (array_values(is_array($responses) ? $responses : [$responses]) as $i => $item) {
                if ($item instanceof \Throwable) {
                    $failed[] = $i;
                    $resource[] = $item instanceof DfException ? $item->toArray() : [
                        'code' => $item->getCode() ?: 500,
                        'context' => null,
                        'message' => $item->getMessage(),
                        'status_code' => 500,
                    ];
                } else {
                    $resource[] = $item;
                }
            }
            parent::__construct(
                $message ?? 'Batch Error',
                $code ?? 1000,
                $previous,
                ['error' => $failed, 'resource' => $resource]
            );
        }
    }
}

namespace DreamFactory\Worker {

    /** Bytes of printed output kept per run; the rest is dropped with a note. */
    const OUTPUT_MAX_BYTES = 65536;

    /** Compiled closures kept, keyed by source hash. */
    const SCRIPT_CACHE_SIZE = 200;

    /** Default messages of the exception classes, by status (the Python engine's too). */
    const REASONS = [
        400 => 'Bad Request.', 401 => 'Unauthorized.', 402 => 'Payment Required.', 403 => 'Forbidden.',
        404 => 'Not Found.', 405 => 'Method Not Allowed.', 406 => 'Not Acceptable.',
        408 => 'Request Timeout.', 409 => 'Conflict.', 410 => 'Gone.', 412 => 'Precondition Failed.',
        413 => 'Request Entity Too Large.', 415 => 'Unsupported Media Type.', 418 => "I'm a Teapot.",
        422 => 'Unprocessable Entity.', 423 => 'Locked.', 429 => 'Too Many Requests.',
        500 => 'Internal Server Error.', 501 => 'Not Implemented.', 502 => 'Bad Gateway.',
        503 => 'Service Unavailable.', 504 => 'Gateway Timeout.',
    ];

    const JSON_FLAGS = JSON_INVALID_UTF8_SUBSTITUTE | JSON_PARTIAL_OUTPUT_ON_ERROR
        | JSON_PRESERVE_ZERO_FRACTION | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE;

    function reason($status)
    {
        return REASONS[$status] ?? 'Error.';
    }

    /** Raised by dd() to end the script with the dumped value as its result. */
    final class DumpAndDie extends \Error
    {
        public $value;

        public function __construct($value)
        {
            parent::__construct('dd()');
            $this->value = $value;
        }
    }

    /** The protocol pipes and the run in progress. */
    final class Worker
    {
        public static $in;
        public static $out;
        /** @var array|null the run in progress: id, name, event (by reference), output... */
        public static $run = null;
        public static $scripts = [];
        public static $ini = [];
        public static $cwd = '';
        public static $symbols = [];
        public static $exitAfterRun = false;

        public static function send(array $message)
        {
            $line = json_encode($message, JSON_FLAGS);
            if ($line === false) {
                $line = json_encode([
                    'op' => 'done', 'id' => $message['id'] ?? null, 'event' => new \stdClass(),
                    'value' => null, 'output' => [],
                    'error' => error(500, 'Script result could not be converted to JSON: ' . json_last_error_msg()),
                ]);
            }
            $line .= "\n";
            for ($written = 0; $written < strlen($line); $written += $n) {
                $n = fwrite(self::$out, substr($line, $written));
                if ($n === false || $n === 0) {
                    exit(0);
                }
            }
            fflush(self::$out);
        }

        /** Reads the next protocol message, or ends the worker when the parent has gone. */
        public static function receive()
        {
            while (true) {
                $line = fgets(self::$in);
                if ($line === false) {
                    exit(0);
                }
                $message = json_decode($line, true, 100000, JSON_BIGINT_AS_STRING);
                if (is_array($message)) {
                    return $message;
                }
            }
        }

        /** Counts of user-declared symbols, to notice a run that declared some. */
        public static function symbols()
        {
            return [
                count(get_declared_classes()), count(get_declared_interfaces()),
                count(get_declared_traits()), count(get_defined_functions()['user']),
                count(get_defined_constants(true)['user'] ?? []),
            ];
        }
    }

    function error($status, $message, $code = null, $context = null, $class = 'InternalServerErrorException')
    {
        return [
            'status_code' => $status, 'message' => $message, 'code' => $code,
            'context' => $context, 'class' => $class,
        ];
    }

    /** `$platform['api']`: each verb as a method and as a closure property. */
    final class Api
    {
        public $get;
        public $post;
        public $put;
        public $patch;
        public $delete;
        public $call;

        public function __construct()
        {
            foreach (['get', 'post', 'put', 'patch', 'delete'] as $verb) {
                $this->$verb = function ($path, $payload = null, $options = []) use ($verb) {
                    return $this->call($verb, $path, $payload, $options);
                };
            }
            $this->call = function ($verb, $path, $payload = null, $options = []) {
                return $this->call($verb, $path, $payload, $options);
            };
        }

        public function get($path, $payload = null, $options = [])
        {
            return $this->call('GET', $path, $payload, $options);
        }

        public function post($path, $payload = null, $options = [])
        {
            return $this->call('POST', $path, $payload, $options);
        }

        public function put($path, $payload = null, $options = [])
        {
            return $this->call('PUT', $path, $payload, $options);
        }

        public function patch($path, $payload = null, $options = [])
        {
            return $this->call('PATCH', $path, $payload, $options);
        }

        public function delete($path, $payload = null, $options = [])
        {
            return $this->call('DELETE', $path, $payload, $options);
        }

        /** Asks the parent to make the call and waits for its result array. */
        public function call($verb, $path, $payload = null, $options = [])
        {
            $method = strtoupper((string) $verb);
            if (!in_array($method, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], true)) {
                throw new \InvalidArgumentException("Unsupported method '$verb'.");
            }
            if (!is_string($path) || $path === '') {
                throw new \InvalidArgumentException('platform api needs a service path or URL.');
            }
            $run = &Worker::$run;
            $callId = ++$run['calls'];
            $options = is_array($options) ? $options : [];
            foreach (['headers', 'parameters'] as $key) {
                if (!isset($options[$key]) || !is_array($options[$key]) || $options[$key] === []) {
                    $options[$key] = new \stdClass();
                }
            }
            Worker::send([
                'op' => 'api', 'id' => $run['id'], 'call' => $callId, 'method' => $method,
                'path' => $path, 'payload' => $payload, 'options' => $options,
            ]);
            while (true) {
                $message = Worker::receive();
                if (($message['op'] ?? '') === 'api_result' && ($message['id'] ?? null) === $run['id']
                    && ($message['call'] ?? null) === $callId) {
                    return is_array($message['result'] ?? null) ? $message['result'] : [];
                }
            }
        }
    }

    /** The cached closure for a script's source (ParseError when it does not compile). */
    function compile($source)
    {
        $key = sha1($source);
        if (isset(Worker::$scripts[$key])) {
            return Worker::$scripts[$key];
        }
        $body = preg_replace('/^\s*<\?php\b/', '', $source, 1);
        $body = preg_replace('/\?>\s*$/', '', $body, 1);
        $closure = eval('return function (&$event, $platform) {' . $body . "\n};");
        if (count(Worker::$scripts) >= SCRIPT_CACHE_SIZE) {
            array_shift(Worker::$scripts);
        }
        return Worker::$scripts[$key] = $closure;
    }

    /** Output buffer callback: keeps up to OUTPUT_MAX_BYTES of what the script printed. */
    function collect($chunk)
    {
        $run = &Worker::$run;
        if ($run !== null && $chunk !== '') {
            $room = OUTPUT_MAX_BYTES - strlen($run['printed']);
            if ($room > 0) {
                $run['printed'] .= substr($chunk, 0, $room);
            }
            if (strlen($chunk) > $room) {
                $run['truncated'] = true;
            }
        }
        return '';
    }

    function output_lines(array $run)
    {
        $text = rtrim($run['printed'], "\n");
        $lines = $text === '' ? [] : explode("\n", $text);
        if ($run['truncated']) {
            $lines[] = '[output truncated at ' . OUTPUT_MAX_BYTES . ' bytes]';
        }
        return $lines;
    }

    /**
     * Maps a throwable to the error the client sees: DreamFactory's classes keep their status,
     * code (the status when none was given) and context; anything else is a 500 with its
     * message, and for an \Error (TypeError, an undefined function...) its class and line.
     */
    function describe(\Throwable $e, $name)
    {
        if ($e instanceof \DreamFactory\Core\Exceptions\DfException) {
            $name = (new \ReflectionClass($e))->getShortName();
            return error($e->getStatusCode(), $e->getMessage(), $e->getDfCode(), $e->getContext(),
                $name === 'DfException' ? 'DFException' : $name);
        }
        if ($e instanceof \ParseError) {
            return error(500, "Script '$name' has a syntax error at line {$e->getLine()}: {$e->getMessage()}",
                null, null, 'SyntaxError');
        }
        $message = $e->getMessage();
        if ($e instanceof \Error) {      // TypeError, undefined function...: say what and where
            $message = get_class($e) . ': ' . $message . ' (line ' . $e->getLine() . ')';
        }
        $code = $e->getCode();
        return error(500, $message, is_int($code) && $code !== 0 ? $code : null, null, get_class($e));
    }

    /** Warnings and notices go to the output, like PHP's display_errors would. */
    function on_warning($severity, $message, $file, $line)
    {
        if (!(error_reporting() & $severity)) {
            return false;
        }
        $kinds = [E_WARNING => 'Warning', E_NOTICE => 'Notice', E_DEPRECATED => 'Deprecated',
            E_USER_WARNING => 'Warning', E_USER_NOTICE => 'Notice', E_USER_DEPRECATED => 'Deprecated'];
        echo 'PHP ' . ($kinds[$severity] ?? 'Error') . ': ' . $message . ' (line ' . $line . ")\n";
        return true;
    }

    function run(array $message)
    {
        $event = is_array($message['event'] ?? null) ? $message['event'] : [];
        $data = is_array($message['platform'] ?? null) ? $message['platform'] : [];
        $platform = [
            'api' => new Api(),
            'config' => $data['config'] ?? [],
            'session' => $data['session'] ?? [],
        ];
        Worker::$run = [
            'id' => $message['id'] ?? null, 'name' => (string) ($message['name'] ?? ''),
            'event' => &$event, 'calls' => 0, 'printed' => '', 'truncated' => false,
            'memory_limit' => ini_get('memory_limit'),
        ];
        $value = null;
        $error = null;
        ob_start('\DreamFactory\Worker\collect', 4096);
        set_error_handler('\DreamFactory\Worker\on_warning');
        try {
            $closure = compile((string) ($message['script'] ?? ''));
            $value = $closure($event, $platform);
        } catch (DumpAndDie $stop) {
            $value = $stop->value;
        } catch (\Throwable $e) {
            $error = describe($e, Worker::$run['name']);
        } finally {
            restore_error_handler();
            while (ob_get_level() > 0) {
                ob_end_flush();
            }
        }
        if ($value instanceof \Closure) {
            $value = null;
        } elseif (is_object($value) && !($value instanceof \JsonSerializable)) {
            $value = (object) get_object_vars($value);     // its public properties
        }
        finish(['event' => $event, 'value' => $error ? null : $value, 'error' => $error]);
    }

    /** Answers the run in progress, then restores what a run may change or ends the worker. */
    function finish(array $result)
    {
        $run = Worker::$run;
        Worker::$run = null;
        $recycle = Worker::$exitAfterRun || Worker::symbols() !== Worker::$symbols;
        Worker::send([
            'op' => 'done', 'id' => $run['id'], 'event' => $result['event'], 'value' => $result['value'],
            'output' => output_lines($run), 'error' => $result['error'], 'recycle' => $recycle,
        ]);
        if ($recycle) {
            return;     // the pool kills this worker after taking the answer
        }
        foreach (ini_get_all(null, false) as $key => $value) {
            if (array_key_exists($key, Worker::$ini) && Worker::$ini[$key] !== $value) {
                ini_set($key, (string) Worker::$ini[$key]);
            }
        }
        if (getcwd() !== Worker::$cwd) {
            chdir(Worker::$cwd);
        }
    }

    /**
     * After exit() or a fatal error (memory limit): answer the run that was in progress,
     * then let the process end (the pool starts a fresh worker).
     */
    function on_shutdown()
    {
        $run = Worker::$run;
        if ($run === null) {
            return;
        }
        ini_set('memory_limit', '-1');
        while (ob_get_level() > 0) {
            ob_end_flush();
        }
        $last = error_get_last();
        $error = null;
        if ($last !== null && in_array($last['type'], [E_ERROR, E_CORE_ERROR, E_COMPILE_ERROR, E_PARSE], true)) {
            if (str_starts_with($last['message'], 'Allowed memory size')) {
                $error = error(500, "Script '{$run['name']}' exceeded its memory limit ("
                    . $run['memory_limit'] . ').', null, null, 'MemoryLimit');
            } else {
                $error = error(500, 'PHP Fatal error: ' . $last['message'] . ' (line ' . $last['line'] . ')',
                    null, null, 'Crash');
            }
        }
        Worker::$exitAfterRun = true;
        finish(['event' => $run['event'], 'value' => null, 'error' => $error]);
    }

    function main(array $argv)
    {
        foreach (array_keys(getenv()) as $key) {   // defence in depth: the pool cleans it too
            if (preg_match('/^DF_|SECRET|PASSWORD|TOKEN|DATABASE_URL|_KEY$/i', $key)) {
                putenv($key);
                unset($_ENV[$key], $_SERVER[$key]);
            }
        }
        $proxy = getenv('HTTPS_PROXY');
        if ($proxy !== false && $proxy !== '') {
            // An isolated worker's only way out (app/scripting/egress.py): curl reads the
            // variable itself; PHP's own http(s):// streams are told here.
            $parts = parse_url($proxy);
            stream_context_set_default(['http' => [
                'proxy' => 'tcp://' . $parts['host'] . ':' . $parts['port'],
                'request_fulluri' => true,
            ]]);
        }
        $count = count($argv);
        Worker::$in = $count >= 3 ? fopen('php://fd/' . (int) $argv[$count - 2], 'r') : false;
        Worker::$out = $count >= 3 ? fopen('php://fd/' . (int) $argv[$count - 1], 'w') : false;
        if (!Worker::$in || !Worker::$out) {
            fwrite(STDERR, "php_worker: cannot open the protocol pipes\n");
            exit(1);
        }
        register_shutdown_function('\DreamFactory\Worker\on_shutdown');
        Worker::$ini = ini_get_all(null, false);
        Worker::$cwd = getcwd();
        Worker::$symbols = Worker::symbols();
        Worker::send(['op' => 'ready']);
        while (true) {
            $message = Worker::receive();
            if (($message['op'] ?? '') === 'run') {
                run($message);
            }
        }
    }
}

namespace {

    /** Laravel's dump-and-die: prints the values, then ends the script with them as its result. */
    function dd(...$vars)
    {
        foreach ($vars as $var) {
            print_r($var);
            echo "\n";
        }
        throw new \DreamFactory\Worker\DumpAndDie(count($vars) === 1 ? $vars[0] : $vars);
    }

    /** Laravel's dump(): prints the values and carries on. */
    function dump(...$vars)
    {
        foreach ($vars as $var) {
            print_r($var);
            echo "\n";
        }
        return $vars[0] ?? null;
    }

    /** Laravel's env(): a variable of the worker's (clean) environment, or the default. */
    function env($key, $default = null)
    {
        $value = getenv((string) $key);
        return $value === false ? $default : $value;
    }

    \DreamFactory\Worker\main($argv);
}
