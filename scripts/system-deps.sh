#!/usr/bin/env bash
# Install the Debian packages the tests need, only those that are missing.
#   scripts/system-deps.sh [chromium] [postgresql]
# chromium:   chromium + fonts-noto-cjk (browser tests, Japanese glyphs in screenshots)
# postgresql: a PostgreSQL server for the PostgreSQL test pass
# nodejs+npm are added whenever `npm` is missing (scripts/vendor-assets.sh needs it).
# Documents (.pdf/.docx) always need: BIZ UD明朝/ゴシック (embedded in PDFs, named in Word templates),
# Pango (WeasyPrint lays text out with it), HarfBuzz's subsetter (WeasyPrint subsets the embedded fonts with it;
# without it fontTools does, seconds per document) and poppler-utils (the tests read PDFs back: pdftotext, pdffonts).
# Runs `apt-get update` only when something must be installed.
set -euo pipefail

have_pkg() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

have_initdb() {
    local d
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir 2>/dev/null || true)
        [ -n "$d" ] && [ -x "$d/initdb" ] && return 0
    fi
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

missing=()
for want in "$@"; do
    case "$want" in
        chromium)
            if ! have_pkg chromium && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
            have_pkg fonts-noto-cjk || missing+=(fonts-noto-cjk)
            ;;
        postgresql)
            if ! have_initdb; then missing+=(postgresql); fi
            # psql is handy for debugging the test server; comes with postgresql.
            ;;
        *)
            echo "system-deps: unknown component '$want' (expected: chromium, postgresql)" >&2
            exit 2
            ;;
    esac
done
for pkg in fonts-morisawa-bizud-gothic fonts-morisawa-bizud-mincho libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    poppler-utils; do
    have_pkg "$pkg" || missing+=("$pkg")
done
if ! command -v npm >/dev/null 2>&1; then
    have_pkg nodejs || missing+=(nodejs)
    missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
    exit 1
fi

echo "system-deps: installing ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/chizai-system-deps.XXXXXX.log)
apt_opts=(-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
          -o Dpkg::Use-Pty=0 -o APT::Color=0)
if ! { apt-get update -q && apt-get install "${apt_opts[@]}" "${missing[@]}"; } \
        </dev/null >"$log" 2>&1; then
    tail -n 40 "$log" >&2
    echo "system-deps: apt-get failed (full log: $log)" >&2
    exit 1
fi
rm -f "$log"
echo "system-deps: installed ${missing[*]}"
