#!/usr/bin/env bash
# Copy the built front-end files the templates use from node_modules/ into the web app's static
# folder. node_modules/ and the copies are build output: neither is committed.
#   static/vendor/htmx.min.js     htmx.org (dist/htmx.min.js)
#   static/vendor/echarts.min.js  echarts (dist/echarts.min.js)
set -euo pipefail

cd "$(dirname "$0")/.."
DEST=src/kaifang/web/static/vendor

copy() {
  local source="node_modules/$1"
  if [ ! -f "$source" ]; then
    echo "缺少 $source，请先运行 npm ci / $source is missing: run npm ci first" >&2
    exit 1
  fi
  cp "$source" "$DEST/$2"
}

mkdir -p "$DEST"
copy htmx.org/dist/htmx.min.js htmx.min.js
copy echarts/dist/echarts.min.js echarts.min.js
if [ -d node_modules/swagger-ui-dist ]; then
  mkdir -p "$DEST/swagger-ui"
  for file in swagger-ui-bundle.js swagger-ui.css; do
    copy "swagger-ui-dist/$file" "swagger-ui/$file"
  done
fi
