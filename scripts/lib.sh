# shellcheck shell=bash
# Helpers shared by scripts/serve and scripts/test: the virtual environment,
# Debian packages and the local database servers. Sourced, never run.

VENV="${DF_VENV:-.venv}"
# The interpreter that creates the venv; must be Python 3.11 or newer.
PYTHON="${PYTHON:-python3}"

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# included_files FILE: the requirements files FILE pulls in with "-r", one per line.
included_files() {
    local included
    sed -n 's/^[[:space:]]*-r[[:space:]]*//p' "$1" | while read -r included; do
        echo "$(dirname "$1")/$included"
    done
}

# requirements_hash FILE: a hash of FILE and of every file it includes with
# "-r", plus the interpreter version, so any change to them means "reinstall".
requirements_hash() {
    local file=$1 included
    {
        "$VENV/bin/python" -c 'import sys; print(sys.version)'
        cat "$file"
        included_files "$file" | while read -r included; do cat "$included"; done
    } | sha256sum | cut -d' ' -f1
}

# ensure_venv FILE: create $VENV if missing and install FILE into it, unless
# the stamp kept inside the venv says this exact FILE is installed already.
ensure_venv() {
    local file=$1 stamp hash included
    if [ ! -x "$VENV/bin/python" ]; then
        "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
            || die "$PYTHON is older than Python 3.11 (set PYTHON=/path/to/python3.11)"
        say "creating the virtual environment in $VENV"
        "$PYTHON" -m venv "$VENV"
    fi
    stamp="$VENV/.df-installed-$(basename "$file")"
    hash=$(requirements_hash "$file")
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        return 0
    fi
    say "installing $file into $VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$file"
    echo "$hash" >"$stamp"
    # A file pulled in with -r is installed now too: stamp it as well.
    included_files "$file" | while read -r included; do
        requirements_hash "$included" >"$VENV/.df-installed-$(basename "$included")"
    done
}

# ensure_packages PKG...: install the Debian packages that are missing, running
# "apt-get update" once, only when something must be installed (root only).
ensure_packages() {
    local missing=() pkg
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    is_root || die "missing Debian packages: ${missing[*]} (install them, or run as root)"
    say "installing Debian packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# port_open PORT: something accepts TCP connections on 127.0.0.1:PORT.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

postgres_ready() {
    if command -v pg_isready >/dev/null; then
        pg_isready -q -h 127.0.0.1 -p 5432
    else
        port_open 5432
    fi
}
postgres_start() {
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
}

mariadb_ready() {
    if command -v mariadb-admin >/dev/null; then
        mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 ping \
            >/dev/null 2>&1
    else
        port_open 3306
    fi
}
mariadb_start() {
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}

# ensure_service NAME: if NAME (postgres, mariadb) does not answer, start
# it when we are root and wait up to a minute for it. Never fatal: the tests
# skip an unreachable server, or fail on it under CI=true, with a clear reason.
ensure_service() {
    local name=$1 tries
    "${name}_ready" && return 0
    if ! is_root; then
        say "warning: $name is not reachable on 127.0.0.1 and only root may start it here"
        return 0
    fi
    say "starting $name"
    "${name}_start" || { say "warning: could not start $name"; return 0; }
    for tries in $(seq 60); do
        "${name}_ready" && return 0
        sleep 1
    done
    say "warning: $name did not answer within a minute after starting it (tries: $tries)"
}
