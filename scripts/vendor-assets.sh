#!/usr/bin/env bash
# Copy third-party front-end assets from npm into chizai/static/vendor/ (git-ignored).
# Runs `npm ci` only when node_modules is missing or older than package-lock.json.
# Nothing is served from a CDN: the app must work without any external request.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

stamp=node_modules/.package-lock.json   # written by npm ci / npm install
if [ ! -f "$stamp" ] || [ "$stamp" -ot package-lock.json ] || [ "$stamp" -ot package.json ] \
        || [ ! -f node_modules/htmx.org/dist/htmx.min.js ] \
        || [ ! -f node_modules/@digital-go-jp/design-tokens/dist/tokens.css ] \
        || [ ! -f node_modules/axe-core/axe.min.js ]; then
    command -v npm >/dev/null 2>&1 || { echo "vendor-assets: npm not found; run: scripts/system-deps.sh" >&2; exit 1; }
    npm ci --no-audit --no-fund --loglevel=error </dev/null
    touch "$stamp"
fi

copy() {  # copy SRC DEST, only when the content differs
    if ! cmp -s "$1" "$2"; then
        install -D -m 644 "$1" "$2"
        echo "vendor-assets: $2"
    fi
}

copy node_modules/htmx.org/dist/htmx.min.js chizai/static/vendor/htmx/htmx.min.js
copy node_modules/htmx.org/LICENSE chizai/static/vendor/htmx/LICENSE
# The Digital Agency design system's tokens (colour, type, radius as CSS custom properties), read by app.css.
copy node_modules/@digital-go-jp/design-tokens/dist/tokens.css chizai/static/vendor/design-tokens/tokens.css
copy node_modules/@digital-go-jp/design-tokens/LICENSE chizai/static/vendor/design-tokens/LICENSE
# axe-core is for the accessibility tests only: kept out of the static files, injected by Playwright.
copy node_modules/axe-core/axe.min.js var/test-assets/axe-core/axe.min.js
copy node_modules/axe-core/LICENSE var/test-assets/axe-core/LICENSE
