#!/usr/bin/env bash
# Runs a command on a bare x86-64 Linux GPU machine with the bundle that scripts/device-bundle.sh made (.device/):
#   1. checks the bundle against its MANIFEST and unpacks it once into $VIZWIZ_DEVICE_HOME (default /tmp/vizwiz-device):
#      node/ (Node 20), app/ (the compiled toolkit and benches with their node_modules);
#   2. installs the Vulkan/GL loader .debs whose libraries the machine lacks (as root: dpkg -x into / and ldconfig, the
#      way the device notes prescribe; otherwise, or with VIZWIZ_DEVICE_LOADERS=private, into a private folder put on
#      LD_LIBRARY_PATH);
#   3. finds the NVIDIA Vulkan driver: when no ICD JSON sits where the loader looks, points VK_DRIVER_FILES and
#      VK_ICD_FILENAMES at the one it finds (or writes one for libGLX_nvidia.so.0 when the driver ships none);
#   4. puts node, `vizwiz` (the CLI) and `vizwiz-bench` (bench/run.js: `vizwiz-bench gpu` = `npm run bench -- gpu`)
#      on PATH, sets VIZWIZ_REPO (this checkout: the fixtures) and VIZWIZ_APP, and runs the command from here.
# Usage: scripts/device-run.sh COMMAND [ARGS...]    e.g. scripts/device-run.sh vizwiz compare --smoke --device webgpu
#        scripts/device-run.sh                      (set up and print what was found)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bundle=${VIZWIZ_BUNDLE_DIR:-$root/.device}
home=${VIZWIZ_DEVICE_HOME:-/tmp/vizwiz-device}
say() { echo "device-run: $*" >&2; }
die() { say "$*"; exit 1; }
[ -f "$bundle/MANIFEST.txt" ] || die "no bundle at $bundle: run scripts/device-bundle.sh where npm and apt work, and carry .device"

# Extracts a .tar.xz; Python's tarfile when there is no xz binary.
untar_xz() {
  if command -v xz >/dev/null; then
    xz -dc "$1" | tar -xf - -C "$2"
  else
    python3 -c 'import sys, tarfile
with tarfile.open(sys.argv[1], "r:xz") as t:
    t.extractall(sys.argv[2], **({"filter": "fully_trusted"} if hasattr(tarfile, "data_filter") else {}))' "$1" "$2"
  fi
}

# 1. Unpack once per bundle; where /tmp does not let programs run (noexec), into the checkout instead.
stamp=$(sha256sum "$bundle/MANIFEST.txt" | cut -c1-16)
unpack() {
  [ "$(cat "$1/.stamp" 2>/dev/null)" = "$stamp" ] && return 0
  rm -rf "$1"
  mkdir -p "$1/node" "$1/app" "$1/bin" || return 1
  untar_xz "$bundle/node.tar.xz" "$1/node" && untar_xz "$bundle/modules.tar.xz" "$1/app" && untar_xz "$bundle/app.tar.xz" "$1/app" || return 1
  printf '#!/bin/sh\nexec "%s/node/bin/node" "%s/app/bin/vizwiz.js" "$@"\n' "$1" "$1" >"$1/bin/vizwiz"
  printf '#!/bin/sh\nexec "%s/node/bin/node" "%s/app/bench/run.js" "$@"\n' "$1" "$1" >"$1/bin/vizwiz-bench"
  chmod +x "$1/bin/vizwiz" "$1/bin/vizwiz-bench"
  echo "$stamp" >"$1/.stamp"
  say "unpacked $(sed -n 3p "$bundle/MANIFEST.txt") into $1"
}
if [ "$(cat "$home/.stamp" 2>/dev/null)" != "$stamp" ]; then
  (cd "$bundle" && grep -E '^[0-9a-f]{64}  ' MANIFEST.txt | sha256sum -c --quiet -) || die "the bundle at $bundle does not match its MANIFEST.txt (incomplete copy?)"
fi
if ! { unpack "$home" && "$home/node/bin/node" --version >/dev/null 2>&1; }; then
  fallback="$root/.device-home"
  say "node does not run from $home; unpacking into $fallback"
  home=$fallback
  unpack "$home" && "$home/node/bin/node" --version >/dev/null || die "the bundled node does not run on this machine ($(uname -m))"
fi

# 2. Loader libraries: each .deb is installed only when the machine lacks the library it provides.
in_cache() { ldconfig -p 2>/dev/null | awk -v l="$1" '$1 == l {found = 1} END {exit !found}'; }
have_lib() { in_cache "$1" || [ -e "$home/sysroot/usr/lib/x86_64-linux-gnu/$1" ]; }
declare -A soname=([libvulkan1]=libvulkan.so.1 [libglvnd0]=libGLdispatch.so.0 [libglx0]=libGLX.so.0 [libgl1]=libGL.so.1 [libegl1]=libEGL.so.1 [libgles2]=libGLESv2.so.2 [libopengl0]=libOpenGL.so.0)
installed=()
for deb in "$bundle"/debs/*.deb; do
  [ -e "$deb" ] || continue
  pkg=$(basename "$deb")
  pkg=${pkg%%_*}
  lib=${soname[$pkg]:-}
  if [ -n "$lib" ] && have_lib "$lib"; then continue; fi
  if [ "$(id -u)" = 0 ] && [ "${VIZWIZ_DEVICE_LOADERS:-}" != private ] && command -v dpkg >/dev/null; then
    dpkg -x "$deb" /
  else
    mkdir -p "$home/sysroot"
    if command -v dpkg >/dev/null; then dpkg -x "$deb" "$home/sysroot"; else (cd "$home/sysroot" && ar p "$deb" data.tar.xz | tar -xJf -); fi
  fi
  installed+=("$pkg")
done
if [ ${#installed[@]} -gt 0 ]; then
  [ "$(id -u)" != 0 ] || [ "${VIZWIZ_DEVICE_LOADERS:-}" = private ] || ldconfig
  say "installed loader packages: ${installed[*]}"
fi
if [ -d "$home/sysroot/usr/lib/x86_64-linux-gnu" ]; then
  export LD_LIBRARY_PATH="$home/sysroot/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# 3. The NVIDIA Vulkan driver (ICD). The loader reads these folders by itself; elsewhere it must be told.
standard=(/etc/vulkan/icd.d /usr/share/vulkan/icd.d /usr/local/etc/vulkan/icd.d /usr/local/share/vulkan/icd.d)
icd=""
if [ -n "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
  icd="${VK_DRIVER_FILES:-$VK_ICD_FILENAMES} (from the environment)"
else
  for d in "${standard[@]}"; do
    f=$(ls "$d"/nvidia*.json 2>/dev/null | head -n1 || true)
    if [ -n "$f" ]; then icd="$f (found by the loader)"; break; fi
  done
  if [ -z "$icd" ]; then
    # Where the NVIDIA container runtime mounts the driver first, then a bounded search (remembered per unpack).
    f=$(ls /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json /usr/local/nvidia/etc/vulkan/icd.d/nvidia_icd*.json 2>/dev/null | head -n1 || true)
    [ -n "$f" ] || { [ -f "$home/.icd" ] && f=$(cat "$home/.icd"); } || true
    if [ -z "$f" ] || [ ! -f "$f" ]; then
      f=$(timeout 20 find /usr/local/nvidia /usr/share /etc /usr/lib /usr/lib64 /usr/local /opt -maxdepth 6 -name 'nvidia_icd*.json' 2>/dev/null | head -n1 || true)
      [ -z "$f" ] || echo "$f" >"$home/.icd"
    fi
    if [ -z "$f" ]; then
      # A driver without its JSON: describe libGLX_nvidia.so.0 (the NVIDIA Vulkan driver library) ourselves.
      glx=$(ldconfig -p 2>/dev/null | awk '/libGLX_nvidia\.so\.0 /{print $NF; exit}')
      [ -n "$glx" ] || glx=$(ls /usr/local/nvidia/lib64/libGLX_nvidia.so.0 /usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0 2>/dev/null | head -n1 || true)
      if [ -n "$glx" ]; then
        f="$home/nvidia_icd.json"
        printf '{"file_format_version": "1.0.0", "ICD": {"library_path": "%s", "api_version": "1.3.0"}}\n' "$glx" >"$f"
      fi
    fi
    if [ -n "$f" ]; then
      export VK_DRIVER_FILES="$f" VK_ICD_FILENAMES="$f"
      icd="$f (VK_DRIVER_FILES)"
      # A bare library name must resolve: add the driver's library folder when the linker cache lacks it.
      lib=$(sed -n 's/.*"library_path"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' "$f" | head -n1)
      if [ -n "$lib" ] && [ "${lib#/}" = "$lib" ] && ! in_cache "$lib"; then
        for d in "$(dirname "$f")/../../../lib64" "$(dirname "$f")/../../../lib" /usr/local/nvidia/lib64 /usr/local/nvidia/lib; do
          if [ -e "$d/$lib" ]; then export LD_LIBRARY_PATH="$(cd "$d" && pwd)${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"; break; fi
        done
      fi
    else
      icd="no NVIDIA one found: --device webgpu will see no NVIDIA adapter"
    fi
  fi
fi

# 4. Environment and the command.
export PATH="$home/bin:$home/node/bin:$PATH"
export VIZWIZ_REPO="$root" VIZWIZ_APP="$home/app"
loader=$(ldconfig -p 2>/dev/null | awk '/libvulkan\.so\.1 /{print $NF; exit}')
[ -n "$loader" ] || loader=$(ls "$home"/sysroot/usr/lib/x86_64-linux-gnu/libvulkan.so.1 2>/dev/null || echo missing)
say "node $("$home/node/bin/node" --version); Vulkan loader $loader; Vulkan driver (ICD) $icd"
if [ $# -eq 0 ]; then exit 0; fi
exec "$@"
