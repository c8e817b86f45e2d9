#!/usr/bin/env bash
# Print the path of the first Python >= 3.12 that actually runs.
# Order: $PYTHON, python3.14/3.13/3.12/python3 on PATH, then pyenv-installed
# interpreters (newest first). pyenv shims that are not selected fail when run,
# so every candidate is tested by running it.
set -u

min_major=3
min_minor=12

try() {
    local cand="$1" path
    [ -n "$cand" ] || return 1
    path=$(command -v -- "$cand" 2>/dev/null) || return 1
    # Ask the interpreter itself: a shim that is not selected exits non-zero here.
    if "$path" -c "import sys; sys.exit(0 if sys.version_info >= ($min_major, $min_minor) else 1)" \
        >/dev/null 2>&1; then
        # Prefer the real interpreter path over a shim.
        "$path" -c 'import sys; print(sys.executable)' 2>/dev/null || echo "$path"
        return 0
    fi
    return 1
}

if [ -n "${PYTHON:-}" ]; then
    if try "$PYTHON"; then exit 0; fi
    echo "find-python: \$PYTHON=$PYTHON is not a working Python >= $min_major.$min_minor; looking elsewhere" >&2
fi

for name in python3.14 python3.13 python3.12 python3; do
    try "$name" && exit 0
done

roots=(/root/.pyenv)
if command -v pyenv >/dev/null 2>&1; then
    r=$(pyenv root 2>/dev/null) && [ -n "$r" ] && roots+=("$r")
fi
[ -n "${PYENV_ROOT:-}" ] && roots+=("$PYENV_ROOT")
[ -n "${HOME:-}" ] && roots+=("$HOME/.pyenv")

for root in "${roots[@]}"; do
    [ -d "$root/versions" ] || continue
    # Newest first: 3.13.x before 3.12.x.
    while IFS= read -r dir; do
        try "$dir/bin/python3" && exit 0
    done < <(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV)
done

cat >&2 <<MSG
find-python: no working Python >= $min_major.$min_minor found.
Django 6.1 needs Python 3.12 or newer. Install one (for example with pyenv:
'pyenv install 3.13'), or point PYTHON at it: PYTHON=/path/to/python3.13 make ...
MSG
exit 1
