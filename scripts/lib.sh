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

# Debian packages the product's features need beyond Python, one "package engine feature"
# entry each: the script engine (system/script_type) the package makes usable, and what it
# turns on. scripts/serve installs them (as root) or says which features are off; scripts/test
# installs them with the suite's own.
FEATURE_PACKAGES=(
    "php-cli php PHP scripts"
    "php-curl php curl in PHP scripts"
    "nodejs nodejs Node.js scripts"
)

# Seconds apt-get waits for a lock held by another apt or dpkg (unattended-upgrades on a
# fresh machine) before giving up, and seconds between two tries.
APT_LOCK_WAIT=600
APT_LOCK_POLL=5

# Install the npm packages locked in folder $1 (package-lock.json) when the lock
# changed since the last install; scripts never run (--ignore-scripts).
ensure_node_modules() {
    local folder=$1 stamp hash
    # Debian's nodejs comes without npm (NodeSource's includes it): add Debian's when missing.
    command -v npm >/dev/null || ensure_packages npm
    command -v npm >/dev/null || die "npm is missing: install Node.js with npm (Debian: nodejs npm)"
    stamp="$folder/node_modules/.df-installed"
    hash=$(sha256sum "$folder/package-lock.json" | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ]; then
        return 0
    fi
    say "installing the npm packages of $folder"
    npm ci --prefix "$folder" --ignore-scripts --no-audit --no-fund --loglevel=error
    echo "$hash" >"$stamp"
}

# feature_packages: the package names of FEATURE_PACKAGES, one per line.
feature_packages() {
    local entry
    for entry in "${FEATURE_PACKAGES[@]}"; do echo "${entry%% *}"; done
}

# features_of PKG...: what those FEATURE_PACKAGES turn on, one per line.
features_of() {
    local entry pkg
    for entry in "${FEATURE_PACKAGES[@]}"; do
        for pkg in "$@"; do
            [ "${entry%% *}" = "$pkg" ] && echo "${entry#* * }"
        done
    done
}

package_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"
}

# missing_packages PKG...: those of PKG that are not installed, one per line.
missing_packages() {
    local pkg
    for pkg in "$@"; do
        package_installed "$pkg" || echo "$pkg"
    done
}

# apt_get ARGS...: apt-get ARGS, tried again while another apt or dpkg holds a lock it needs
# (apt-get update ignores DPkg::Lock::Timeout), for up to APT_LOCK_WAIT seconds.
apt_get() {
    local deadline=$((SECONDS + APT_LOCK_WAIT)) errors status waiting=""
    errors=$(mktemp)
    while true; do
        status=0
        DEBIAN_FRONTEND=noninteractive apt-get \
            -o DPkg::Lock::Timeout=$((deadline > SECONDS ? deadline - SECONDS : 0)) "$@" \
            2>"$errors" || status=$?
        if [ "$status" -eq 0 ] || [ "$SECONDS" -ge "$deadline" ] \
            || ! grep -q -e "Could not get lock" -e "Unable to lock" "$errors"; then
            cat "$errors" >&2
            rm -f "$errors"
            return "$status"
        fi
        [ -n "$waiting" ] || say "waiting for another apt or dpkg to finish (up to ${APT_LOCK_WAIT}s)"
        waiting=1
        sleep "$APT_LOCK_POLL"
    done
}

# install_packages PKG...: "apt-get update" once, then install PKG (root only).
install_packages() {
    say "installing Debian packages: $*"
    apt_get update -qq && apt_get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ensure_packages PKG...: install the Debian packages that are missing (root only; fatal).
ensure_packages() {
    local missing
    missing=$(missing_packages "$@")
    [ -z "$missing" ] && return 0
    # shellcheck disable=SC2086 # one package name per word
    is_root || die "missing Debian packages:" $missing "(install them, or run as root)"
    # shellcheck disable=SC2086
    install_packages $missing || die "could not install the Debian packages:" $missing
}

# ensure_feature_packages: as root, install the FEATURE_PACKAGES that are missing; otherwise
# say once which features are off and the one command that turns them on. Never fatal: the
# API serves without them, and system/script_type lists only the engines that work. Off
# Debian (no dpkg-query) it does nothing: install PHP and Node.js your own way.
ensure_feature_packages() {
    local missing features sudo=""
    command -v dpkg-query >/dev/null || return 0
    # shellcheck disable=SC2046 # one package name per word
    missing=$(missing_packages $(feature_packages))
    [ -z "$missing" ] && return 0
    # shellcheck disable=SC2086
    if is_root; then
        install_packages $missing && return 0
    else
        sudo="sudo "
    fi
    # shellcheck disable=SC2086
    features=$(features_of $missing | paste -sd, - | sed 's/,/, /g')
    say "off until their Debian packages are installed: $features"
    say "to turn them on:" "${sudo}apt-get install" $missing", then start ./scripts/serve again"
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
