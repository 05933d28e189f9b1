#!/bin/sh
# assets.sh installs the browser packages pinned in web-assets/package.json
# and copies the files the UI serves, each with its licence, into
# internal/web/static/vendor/. The copies are committed, so a plain
# `go build` needs neither npm nor the network; run this only after
# changing a version in web-assets/package.json.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/web-assets"
vendor="$root/internal/web/static/vendor"

cd "$pkg"
if [ -f package-lock.json ]; then
	npm ci --no-audit --no-fund --ignore-scripts
else
	# First run: resolve the pinned versions and write package-lock.json.
	npm install --no-audit --no-fund --ignore-scripts
fi

mkdir -p "$vendor"

# copy SRC DEST: copy one file, failing loudly if the package moved it.
copy() {
	if [ ! -f "$1" ]; then
		echo "assets.sh: missing $1" >&2
		exit 1
	fi
	cp "$1" "$2"
	echo "  $2"
}

echo "copying into ${vendor#"$root"/}:"
copy node_modules/htmx.org/dist/htmx.min.js "$vendor/htmx.min.js"
copy node_modules/htmx.org/LICENSE "$vendor/htmx.LICENSE"
