#!/usr/bin/env bash
# Builds the acceptance image once and reuses it: a Debian bookworm minbase root made by
# debootstrap, packed as an OCI layout by umoci, and copied to a docker-archive by skopeo.
# Output dir: $1 (default /var/tmp/portcullis-acceptance). Needs root, debootstrap, umoci,
# skopeo and Debian's mirror (the only network this uses).
set -euo pipefail
out=${1:-/var/tmp/portcullis-acceptance}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
mkdir -p "$out"
if [ -f "$out/done" ]; then exit 0; fi
rm -rf "$out/rootfs" "$out/oci" "$out/bundle" "$out/debian.tar"
# debootstrap needs a fresh dir; keep logs for diagnosis.
debootstrap --variant=minbase bookworm "$out/rootfs" "$mirror" > "$out/debootstrap.log" 2>&1 || {
  tail -n 30 "$out/debootstrap.log" >&2
  exit 1
}
# Drop the apt lists: large, and not part of what an image ships usually.
rm -rf "$out/rootfs/var/lib/apt/lists/"* "$out/rootfs/var/cache/apt/"*.bin
umoci init --layout "$out/oci"
umoci new --image "$out/oci:bookworm"
umoci unpack --image "$out/oci:bookworm" "$out/bundle" > /dev/null
cp -a "$out/rootfs/." "$out/bundle/rootfs/"
umoci repack --image "$out/oci:bookworm" "$out/bundle" > /dev/null
umoci config --image "$out/oci:bookworm" --config.user 0 --architecture amd64 --os linux > /dev/null
umoci gc --layout "$out/oci"
rm -rf "$out/bundle"
skopeo copy --quiet "oci:$out/oci:bookworm" "docker-archive:$out/debian.tar:portcullis-test/debian:bookworm"
touch "$out/done"
