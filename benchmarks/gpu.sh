#!/usr/bin/env bash
# The training, embedding and scale benchmarks on one GPU, in under 10 minutes.
#
#   benchmarks/gpu.sh [OUTPUT_FOLDER]      (default runs/gpu; needs the installed .venv)
#
# Prints every number with its baseline from the same run and keeps the logs in the output
# folder, for docs/benchmarks.md. Each step has its own time limit, so one that hangs cannot
# take the others' time; a step that fails is reported and the others still run.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-$here/../.venv/bin/python}"
out="$(mkdir -p "${1:-runs/gpu}" && cd "${1:-runs/gpu}" && pwd)"
cd "$here"
status=0
step() {  # step NAME SECONDS COMMAND...
    local name="$1" limit="$2"
    shift 2
    echo "== $name (at most ${limit} s)"
    timeout "$limit" "$@" 2>&1 | tee "$out/$name.log"
    local rc="${PIPESTATUS[0]}"
    if [ "$rc" -ne 0 ]; then
        echo "== $name failed (exit $rc)"
        status=1
    fi
}
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$out/gpu.txt"
"$python" -c "import torch; print('torch', torch.__version__, 'cuda', torch.version.cuda)"
step train 150 "$python" train_throughput.py --steps 20 --accelerator gpu
step embed 120 "$python" embed_throughput.py --device cuda
# A 4 GB store: the GPU machine's memory is not the point here, the speed of training and
# embedding from a store against memory is; 16 cores feed the loader.
step scale 300 "$python" scale.py --gigabytes 4 --folder "$out/scale" --accelerator gpu \
    --workers 6 --threads 8 --results "$out/scale.json"
rm -rf "$out/scale"
exit "$status"
