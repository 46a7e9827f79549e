#!/bin/bash
# Builds the microVM runtime's kernel and initramfs from Debian packages (pinned below), cached by
# digest under $1 (the images directory): <images>/.microvm/kernel/<sha256>/{vmlinuz,initrd.img}, and
# <images>/.microvm/kernel/current pointing at the newest. The digest covers both packages and the
# guest programs, so a changed agent makes a new initramfs. Needs root (apt-get download, modes).
# Called by ./warren up; nothing of it is in the repository but this script and the guest programs.
set -euo pipefail
KERNEL_PKG=linux-image-6.1.0-57-amd64
KERNEL_VERSION=6.1.192-3
BUSYBOX_PKG=busybox-static
BUSYBOX_VERSION=1:1.35.0-4+deb12u1+b1
MODULES=(virtio_ring virtio virtio_mmio virtio_blk virtio_console crc16 mbcache jbd2 crc32c_generic ext4)

images=${1:?usage: build-kernel.sh IMAGES_DIR}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$images/.microvm/kernel
cache=$images/.microvm/debs
mkdir -p "$root" "$cache"
chmod 0755 "$images/.microvm" "$root"
chmod 0700 "$cache"

fetch() { # package version: the .deb in the cache, downloaded once
  local f
  f=$(find "$cache" -maxdepth 1 -name "${1}_*.deb" | head -1)
  if [[ -z $f ]]; then
    (cd "$cache" && apt-get download -q "$1=$2" >/dev/null 2>&1) || {
      apt-get update -q >/dev/null && (cd "$cache" && apt-get download -q "$1=$2" >/dev/null); }
    f=$(find "$cache" -maxdepth 1 -name "${1}_*.deb" | head -1)
  fi
  [[ -n $f ]] || { echo "cannot download $1=$2" >&2; return 1; }
  echo "$f"
}
# Debian drops a kernel's package from its mirror when a newer ABI replaces it: then the kernel
# linux-image-amd64 depends on now is used instead, said loudly (the digest changes with it)
kdeb=$(fetch "$KERNEL_PKG" "$KERNEL_VERSION") || {
  now=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
  [[ -n $now ]] || { echo "cannot download $KERNEL_PKG=$KERNEL_VERSION, and apt knows no linux-image-amd64 to use instead" >&2; exit 1; }
  echo "build-kernel.sh: $KERNEL_PKG=$KERNEL_VERSION is gone from the mirror; using $now (update the pin)" >&2
  kdeb=$(fetch "$now" "$(apt-cache policy "$now" | awk '/Candidate:/ {print $2}')")
}
bdeb=$(fetch "$BUSYBOX_PKG" "$BUSYBOX_VERSION") || {
  echo "build-kernel.sh: $BUSYBOX_PKG=$BUSYBOX_VERSION is gone from the mirror; using the mirror's (update the pin)" >&2
  bdeb=$(fetch "$BUSYBOX_PKG" "$(apt-cache policy "$BUSYBOX_PKG" | awk '/Candidate:/ {print $2}')")
}
digest=$(cat "$kdeb" "$bdeb" "$here/initramfs-init" "$here/init.sh" "$here/agent.sh" "$0" | sha256sum | cut -c1-64)
out=$root/$digest
if [[ ! -f $out/initrd.img ]]; then
  tmp=$(mktemp -d "$root/.build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  dpkg-deb -x "$kdeb" "$tmp/k"
  dpkg-deb -x "$bdeb" "$tmp/b"
  i=$tmp/initramfs
  mkdir -p "$i"/{bin,dev,proc,sys,newroot,lib/modules,warren}
  cp "$tmp/b/bin/busybox" "$i/bin/busybox"
  kver=$(ls "$tmp/k/lib/modules")
  for m in "${MODULES[@]}"; do
    f=$(find "$tmp/k/lib/modules/$kver" -name "$m.ko" | head -1)
    [[ -n $f ]] || { echo "module $m not in $KERNEL_PKG" >&2; exit 1; }
    cp "$f" "$i/lib/modules/$m.ko"
  done
  printf "%s\n" "${MODULES[@]}" > "$i/lib/modules/order"
  install -m 0755 "$here/initramfs-init" "$i/init"
  install -m 0755 "$here/init.sh" "$here/agent.sh" "$i/warren/"
  mkdir -p "$tmp/out"
  (cd "$i" && find . | "$i/bin/busybox" cpio -o -H newc 2>/dev/null | gzip -1 > "$tmp/out/initrd.img")
  cp "$tmp/k/boot/vmlinuz-$kver" "$tmp/out/vmlinuz"
  echo "$kver" > "$tmp/out/version"
  chmod 0644 "$tmp/out"/*
  chmod 0755 "$tmp/out"
  mv "$tmp/out" "$out"
fi
ln -sfn "$digest" "$root/current.tmp" && mv -T "$root/current.tmp" "$root/current"

# older builds: a running VM read its kernel and initramfs at boot and holds neither
find "$root" -mindepth 1 -maxdepth 1 -type d -name '[0-9a-f]*' ! -name "$digest" -exec rm -rf {} +
echo "$out"
