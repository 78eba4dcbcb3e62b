#!/usr/bin/env bash
# Copies the browser libraries of DX Atlas from node_modules into public/vendor/, each with its
# licence, and records their versions in public/vendor/VERSIONS.txt. The copies are kept in the
# repository (the binary embeds public/), so the pages work from a fresh checkout without npm and
# never load anything from another site. Run after `npm ci` whenever package.json changes.
set -euo pipefail
cd "$(dirname "$0")"

modules=node_modules
out=public/vendor

if [ ! -d "$modules" ]; then
  echo "vendor.sh: $modules is missing; run \`npm ci\` in web/ first" >&2
  exit 1
fi

# package, then the files to copy from it (paths inside the package); the licence comes last.
copies=(
  "maplibre-gl dist/maplibre-gl.js dist/maplibre-gl.css LICENSE.txt"
  "react umd/react.production.min.js LICENSE"
  "react-dom umd/react-dom.production.min.js LICENSE"
  "graphiql graphiql.min.js graphiql.min.css LICENSE"
)

rm -rf "$out"
mkdir -p "$out"
{
  echo "# Browser libraries copied from npm packages by web/vendor.sh; each folder holds its licence."
  for entry in "${copies[@]}"; do
    read -r package files <<<"$entry"
    mkdir -p "$out/$package"
    for file in $files; do
      cp "$modules/$package/$file" "$out/$package/"
    done
    version=$(node -p "require('./$modules/$package/package.json').version")
    echo "$package@$version"
  done
} >"$out/VERSIONS.txt"

cat "$out/VERSIONS.txt"
du -sh "$out"
