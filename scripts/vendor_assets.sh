#!/usr/bin/env bash
# Refresh the vendored front-end assets from the npm registry. Run by hand when upgrading; the
# results are committed, because police intranets are offline and nothing may load from a CDN.
# htmx is not vendored here: django-htmx ships it (static "django_htmx/htmx-2.min.js").
set -euo pipefail
BOOTSTRAP_VERSION=5.3.9
ECHARTS_VERSION=6.1.0
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack "bootstrap@$BOOTSTRAP_VERSION" "echarts@$ECHARTS_VERSION" >/dev/null
tar xzf "bootstrap-$BOOTSTRAP_VERSION.tgz"
mkdir -p "$here/static/vendor/bootstrap" "$here/static/vendor/echarts"
cp package/dist/css/bootstrap.min.css package/dist/css/bootstrap.min.css.map \
   package/dist/js/bootstrap.bundle.min.js package/dist/js/bootstrap.bundle.min.js.map \
   package/LICENSE "$here/static/vendor/bootstrap/"
rm -rf package
tar xzf "echarts-$ECHARTS_VERSION.tgz"
cp package/dist/echarts.min.js package/LICENSE "$here/static/vendor/echarts/"
echo "vendored bootstrap $BOOTSTRAP_VERSION and echarts $ECHARTS_VERSION"
