#!/usr/bin/env bash
# Puts the boundary files listed in geodata/manifest.toml into geodata/ and checks their sha256.
# Copies them from ../shared/geodata when that folder exists, else downloads them from the
# public source named in the manifest. Exits non-zero if any file is missing or altered.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
shared="$here/../../shared/geodata"
status=0
while IFS='|' read -r name sha url; do
  target="$here/$name"
  if [ ! -f "$target" ]; then
    if [ -f "$shared/$name" ]; then
      cp "$shared/$name" "$target"
    else
      echo "downloading $name" >&2
      curl -fsSL --retry 3 -o "$target.part" "$url" && mv "$target.part" "$target"
    fi
  fi
  actual="$(sha256sum "$target" | cut -d' ' -f1)"
  if [ "$actual" = "$sha" ]; then
    echo "ok       $name"
  else
    echo "MISMATCH $name: expected $sha, found $actual" >&2
    status=1
  fi
done < <(python3 - "$here/manifest.toml" <<'PY'
import sys, tomllib
for f in tomllib.load(open(sys.argv[1], "rb"))["file"]:
    print(f"{f['name']}|{f['sha256']}|{f['url']}")
PY
)
exit $status
