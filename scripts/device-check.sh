#!/usr/bin/env bash
# The one command for a borrowed GPU machine (bare x86-64 Linux, NVIDIA driver, PyTorch, no Node, no network), run
# from the repository root with the bundle of scripts/device-bundle.sh carried in .device/:
#   1. scripts/device-run.sh sets up Node, the toolkit and the Vulkan loader/driver          (<= 150 s)
#   2. what the machine has: nvidia-smi, the Vulkan driver (vulkaninfo --summary when there is one), onnxruntime's
#      backends, and the Python peer's packages                                              (<= 100 s)
#   3. `bench gpu` (bench/gpu.ts) with --device webgpu against PyTorch on the same GPU      (the rest, <= 400 s)
# and always ends inside 9 minutes (timeouts on every step; the bench has its own deadline). Writes into $OUT (default
# .device-out/): check.log (steps 1-2), gpu.log (the bench's whole output), gpu.jsonl (its JSON lines); the JSON lines
# are printed again at the end, where a remote run's output tail shows them.
# VIZWIZ_CHECK_SECONDS (default 530) is the whole script's budget; extra arguments go to `bench gpu`.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${OUT:-$root/.device-out}
mkdir -p "$out"
budget=${VIZWIZ_CHECK_SECONDS:-530}
start=$(date +%s)
run=(bash "$root/scripts/device-run.sh")
check() { tee -a "$out/check.log"; }
step() { echo "=== $* ($(($(date +%s) - start)) s)" | check; }

step "setup"
timeout --kill-after=5 150 "${run[@]}" 2>&1 | check
[ "${PIPESTATUS[0]}" = 0 ] || echo "device-check: setup failed; the bench will say what is missing" | check

step "GPU"
timeout 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used,utilization.gpu,clocks.sm,clocks.max.sm --format=csv 2>&1 | check
timeout 20 nvidia-smi -L 2>&1 | check

step "Vulkan"
timeout 60 "${run[@]}" bash -c '
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-} LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  for f in ${VK_DRIVER_FILES:-} /etc/vulkan/icd.d/*.json /usr/share/vulkan/icd.d/*.json; do [ -f "$f" ] && echo "$f: $(tr -d "\n " <"$f")"; done
  ldconfig -p | grep -E "libvulkan|libGLX_nvidia|libnvidia-glvkspirv|libGLdispatch" | head -n 8
  if command -v vulkaninfo >/dev/null; then timeout 30 vulkaninfo --summary 2>&1 | head -n 40; else echo "no vulkaninfo: the bench probe shows whether WebGPU finds an adapter"; fi
  cd "$VIZWIZ_APP" && node -e "const v = JSON.parse(require(\"fs\").readFileSync(\"node_modules/onnxruntime-node/package.json\", \"utf8\")).version; console.log(\"onnxruntime-node\", v, \"backends\", JSON.stringify(require(\"onnxruntime-node\").listSupportedBackends()))"
' 2>&1 | check

step "Python peer"
timeout 60 python3 -c '
import importlib, sys
print("python", sys.version.split()[0])
for name in ("torch", "transformers", "peft"):
    try:
        m = importlib.import_module(name)
        print(name, m.__version__)
    except Exception as e:
        print(name, "MISSING:", type(e).__name__, e)
import torch
print("cuda", torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else "-")
' 2>&1 | check

left=$((budget - ($(date +%s) - start)))
deadline=$((left - 40))
[ "$deadline" -le 400 ] || deadline=400
step "bench gpu --device webgpu --deadline $deadline"
if [ "$deadline" -lt 60 ]; then
  echo "device-check: only $left s left; the bench is not started" | check
else
  : >"$out/gpu.jsonl"
  timeout --kill-after=10 $((deadline + 25)) "${run[@]}" vizwiz-bench gpu --device webgpu --deadline "$deadline" --jsonl "$out/gpu.jsonl" "$@" 2>&1 | tee "$out/gpu.log" >/dev/null
  echo "device-check: bench exit ${PIPESTATUS[0]}" | check
fi

step "done"
cat "$out/gpu.jsonl" 2>/dev/null
