#!/usr/bin/env bash
# Vendor the compiled U.S. Web Design System (USWDS) assets and axe-core.
#
#   scripts/refresh-uswds.sh
#
# To upgrade: change the version AND the integrity below. Get both with
#   npm view @uswds/uswds@<version> dist.integrity
#   npm view axe-core@<version> dist.integrity
# then re-run this script and review the diff.
#
# Tarballs are fetched with `npm pack` (no dependencies, no install scripts
# run) and checked against the pinned sha512 integrity.
set -euo pipefail

USWDS_VERSION="3.14.0"
USWDS_INTEGRITY="sha512-kwZ50TqGszxj3+MQhm+c84hI0y8rIKoc7ZLKbuHg+8rTkFisp9lXOMRD2wclyyuYZahpADxMvaPong7bwL7cew=="

# axe-core is only used by the browser tests; it is never served by the app.
AXE_VERSION="4.14.1"
AXE_INTEGRITY="sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
USWDS_DEST="$ROOT/dissent/static/vendor/uswds"
AXE_DEST="$ROOT/tests/browser/vendor"

command -v npm >/dev/null || { echo "error: npm is required" >&2; exit 1; }
command -v node >/dev/null || { echo "error: node is required" >&2; exit 1; }

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# fetch <npm spec> <expected integrity> <extract dir>
fetch() {
  local spec="$1" want="$2" out="$3" file got
  npm pack "$spec" --pack-destination "$TMP" --json --silent > "$TMP/pack.json"
  file="$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(r[0].filename)' "$TMP/pack.json")"
  got="$(node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));process.stdout.write(r[0].integrity)' "$TMP/pack.json")"
  if [[ "$got" != "$want" ]]; then
    echo "error: integrity mismatch for $spec" >&2
    echo "  expected: $want" >&2
    echo "  got:      $got" >&2
    exit 1
  fi
  mkdir -p "$out"
  tar -xzf "$TMP/$file" -C "$out" --strip-components=1 --no-same-owner
}

# List the local url(...) targets of a CSS file, one per line, as written
# (relative to the CSS file). Skips empty url() (used in @supports tests),
# data: URIs, absolute/remote URLs and pure fragments; drops ?query/#fragment.
css_local_urls() {
  { grep -oE 'url\([^)]*\)' "$1" || true; } \
    | sed -E 's/^url\(//; s/\)$//; s/^[[:space:]]*["'\'']?//; s/["'\'']?[[:space:]]*$//' \
    | sed -E 's/[?#].*$//' \
    | grep -vE '^$|^data:|^[a-zA-Z][a-zA-Z0-9+.-]*:|^/' \
    | sort -u || true
}

echo "Fetching @uswds/uswds@$USWDS_VERSION and axe-core@$AXE_VERSION ..."
fetch "@uswds/uswds@$USWDS_VERSION" "$USWDS_INTEGRITY" "$TMP/uswds"
fetch "axe-core@$AXE_VERSION" "$AXE_INTEGRITY" "$TMP/axe"

SRC="$TMP/uswds/dist"
STAGE="$TMP/stage"
mkdir -p "$STAGE/css" "$STAGE/js" "$STAGE/fonts" "$STAGE/img"

# CSS and JS. The .map files are kept because the minified files end with a
# sourceMappingURL comment, and Django's ManifestStaticFilesStorage fails
# collectstatic when that target is missing.
cp "$SRC/css/uswds.min.css" "$SRC/css/uswds.min.css.map" "$STAGE/css/"
cp "$SRC/js/uswds-init.min.js" "$SRC/js/uswds-init.min.js.map" \
   "$SRC/js/uswds.min.js" "$SRC/js/uswds.min.js.map" "$STAGE/js/"

# Fonts: exactly the files the compiled CSS references (woff2 only in 3.x).
while IFS= read -r ref; do
  case "$ref" in
    ../fonts/*)
      rel="${ref#../}"
      mkdir -p "$STAGE/$(dirname "$rel")"
      cp "$SRC/$rel" "$STAGE/$rel"
      ;;
  esac
done < <(css_local_urls "$SRC/css/uswds.min.css")

# Images: the loose files in img/ (flag, dot-gov/https/lock icons used by the
# banner markup, sprite.svg for <svg class="usa-icon"><use href=...>, the
# small svgs the CSS uses) plus the usa-icons/ and usa-icons-bg/ sets.
# Left out: material-icons/ (~8 MB, superset of usa-icons),
# material-icons-deprecated/, uswds-icons/ and favicons/ (placeholder).
find "$SRC/img" -maxdepth 1 -type f -exec cp {} "$STAGE/img/" \;
cp -R "$SRC/img/usa-icons" "$SRC/img/usa-icons-bg" "$STAGE/img/"

cp "$TMP/uswds/LICENSE.md" "$STAGE/LICENSE.md"
printf '%s\n' "$USWDS_VERSION" > "$STAGE/VERSION"

# Check: every local url(...) in the CSS resolves to a staged file.
missing=0
while IFS= read -r ref; do
  target="$STAGE/css/$ref"
  case "$(realpath -m "$target")" in
    "$STAGE"/*) ;;
    *) echo "error: CSS url($ref) points outside the vendored folder" >&2; missing=1; continue ;;
  esac
  if [[ ! -f "$target" ]]; then
    echo "error: CSS url($ref) -> missing file" >&2
    missing=1
  fi
done < <(css_local_urls "$STAGE/css/uswds.min.css")
# Check: sourceMappingURL targets exist (needed by ManifestStaticFilesStorage).
for f in "$STAGE/css/uswds.min.css" "$STAGE/js/uswds.min.js" "$STAGE/js/uswds-init.min.js"; do
  map="$({ grep -oE 'sourceMappingURL=[^ *]+' "$f" || true; } | tail -n1 | sed 's/^sourceMappingURL=//')"
  if [[ -n "$map" && ! -f "$(dirname "$f")/$map" ]]; then
    echo "error: $(basename "$f") sourceMappingURL=$map -> missing file" >&2
    missing=1
  fi
done
if [[ "$missing" -ne 0 ]]; then
  echo "error: vendored USWDS is incomplete; nothing was changed" >&2
  exit 1
fi

# Replace the vendored USWDS folder wholesale so stale files never linger.
rm -rf "$USWDS_DEST"
mkdir -p "$(dirname "$USWDS_DEST")"
cp -R "$STAGE" "$USWDS_DEST"

# axe-core (tests only). Only our own files are overwritten.
mkdir -p "$AXE_DEST"
cp "$TMP/axe/axe.min.js" "$AXE_DEST/axe.min.js"
cp "$TMP/axe/LICENSE" "$AXE_DEST/axe-core.LICENSE"
cp "$TMP/axe/LICENSE-3RD-PARTY.txt" "$AXE_DEST/axe-core.LICENSE-3RD-PARTY.txt"
printf '%s\n' "$AXE_VERSION" > "$AXE_DEST/axe-core.VERSION"

echo "USWDS $USWDS_VERSION -> ${USWDS_DEST#"$ROOT"/} ($(du -sh "$USWDS_DEST" | cut -f1))"
echo "axe-core $AXE_VERSION -> ${AXE_DEST#"$ROOT"/}/axe.min.js"
