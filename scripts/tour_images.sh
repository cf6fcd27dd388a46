#!/usr/bin/env bash
# Redraws the pictures of docs/tour.md: runs every command of the page (each line of a ```sh block
# that starts with "digitnet ") in order, as written, in a temporary folder whose docs/img is the
# repository's docs/img, so the pictures land there and the models and metrics files are thrown away.
#
#   scripts/tour_images.sh            (after a build: uses build/digitnet and the MNIST files in data/)
#
# Prints each command before running it and stops at the first that fails. The pictures are kept
# small (PNG, about 1 MB in all) so that they can be committed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/build/digitnet"
[[ -x "$bin" ]] || { echo "tour_images.sh: $bin not found; build first (see the README)" >&2; exit 1; }
export DIGITNET_DATA="${DIGITNET_DATA:-$root/data}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/docs" "$root/docs/img"
ln -s "$root/docs/img" "$work/docs/img"

# The commands: lines starting with "digitnet " inside ```sh blocks.
mapfile -t commands < <(awk '/^```sh$/ { inside = 1; next } /^```/ { inside = 0 } inside && /^digitnet / { print }' \
                            "$root/docs/tour.md")
[[ ${#commands[@]} -gt 0 ]] || { echo "tour_images.sh: no commands found in docs/tour.md" >&2; exit 1; }

cd "$work"
for command in "${commands[@]}"; do
    echo "+ $command"
    # The line's words, with digitnet replaced by the built program.
    read -r -a words <<<"$command"
    "$bin" "${words[@]:1}" >"$work/last-output.txt" 2>&1 || { cat "$work/last-output.txt"; echo "tour_images.sh: failed: $command" >&2; exit 1; }
    tail -n 3 "$work/last-output.txt"
done
echo
du -ch "$root"/docs/img/*.png | tail -n 1
