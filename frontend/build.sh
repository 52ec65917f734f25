#!/bin/sh
# Build elearn's front-end assets (run as `make css`, or `sh frontend/build.sh`).
#
# - installs the pinned npm devDependencies when node_modules is missing or
#   does not match package-lock.json;
# - compiles scss/elearn.scss to ../static/css/elearn.css (compressed, no source map);
# - vendors GOV.UK Frontend's ES module build, axe-core and Leaflet into ../static/vendor/.
#
# The output is deterministic: running it again gives byte-identical files.
# No GOV.UK image or font assets are copied: elearn uses none (no crown, no
# crest, no GDS Transport).
set -eu

cd "$(dirname "$0")"

STATIC=../static
STAMP=node_modules/.elearn-package-lock.json

# 1. Dependencies: `npm ci` when node_modules is missing or stale.
if [ ! -d node_modules ] || ! cmp -s package-lock.json "$STAMP"; then
  npm ci --no-audit --no-fund
  cp package-lock.json "$STAMP"
fi

# 2. Styles.
mkdir -p "$STATIC/css"
node_modules/.bin/sass \
  --style=compressed \
  --no-source-map \
  --no-charset \
  --quiet-deps \
  --load-path=node_modules \
  scss/elearn.scss "$STATIC/css/elearn.css"

# GOV.UK Frontend's footer always outputs `.govuk-footer__crown{…}` (a spacing
# rule for the crown logo we never render): drop that one rule.
sed -i 's/\.govuk-footer__crown{[^}]*}//g' "$STATIC/css/elearn.css"

# GOV.UK-only assets and names must never reach the stylesheet.
if grep -o -i -E '.{0,40}(crown|govuk-crest|GDS Transport|/assets/fonts|\.woff|nta-(light|bold)|light-[0-9a-f]{10}|bold-[0-9a-f]{10}).{0,40}' "$STATIC/css/elearn.css"; then
  echo "build.sh: GOV.UK-only asset or font found in elearn.css" >&2
  exit 1
fi

# 3. Vendored JavaScript (replaced whole, so no stale files are left behind).
GOVUK_DIST=node_modules/govuk-frontend/dist/govuk
rm -rf "$STATIC/vendor/govuk-frontend" "$STATIC/vendor/axe-core"
mkdir -p "$STATIC/vendor/govuk-frontend" "$STATIC/vendor/axe-core"

cp "$GOVUK_DIST/govuk-frontend.min.js" \
   "$GOVUK_DIST/govuk-frontend.min.js.map" \
   "$STATIC/vendor/govuk-frontend/"

cp node_modules/axe-core/axe.min.js \
   node_modules/axe-core/LICENSE \
   node_modules/axe-core/LICENSE-3RD-PARTY.txt \
   "$STATIC/vendor/axe-core/"

# Leaflet, for the hub's maps: its README (source, checksums) is kept.
find "$STATIC/vendor/leaflet" -mindepth 1 ! -name README.md -delete
mkdir -p "$STATIC/vendor/leaflet/images"
cp node_modules/leaflet/dist/leaflet.js \
   node_modules/leaflet/dist/leaflet.css \
   node_modules/leaflet/LICENSE \
   "$STATIC/vendor/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$STATIC/vendor/leaflet/images/"

echo "build.sh: wrote $STATIC/css/elearn.css ($(wc -c < "$STATIC/css/elearn.css") bytes) and $STATIC/vendor/"
