#!/usr/bin/env bash
# Rebuild the committed SparCE kernel binaries (run by `make sparce-kernels`; needs Debian's gcc-aarch64-linux-gnu).
# Each variant becomes a raw binary loaded at TEXT (sparce_<variant>.bin) and a JSON of its symbols, the exact
# compiler version, this command line and the binary's SHA-256, which the loader checks (sparce_<variant>.json).
set -euo pipefail
cd "$(dirname "$0")"
CC=${CC:-aarch64-linux-gnu-gcc}
NM=${NM:-aarch64-linux-gnu-nm}
OBJCOPY=${OBJCOPY:-aarch64-linux-gnu-objcopy}
TEXT=0x10000
COMMON="-O2 -ffreestanding -fno-builtin -nostdlib -fno-pic -fno-stack-protector -fno-asynchronous-unwind-tables -fno-unwind-tables \
 -fno-tree-loop-distribute-patterns -fno-schedule-insns -fno-schedule-insns2 -fno-tree-vectorize \
 -Wl,-Ttext=$TEXT -Wl,--build-id=none -Wl,-e,gemm -static"
declare -A FLAGS=([scalar]="-mgeneral-regs-only" [neon]="-march=armv8-a+simd -DSPARCE_NEON")
for variant in scalar neon; do
  cmd="$CC $COMMON ${FLAGS[$variant]} sparce_kernels.c -o sparce_$variant.elf"
  $cmd
  $OBJCOPY -O binary -j .text -j .rodata sparce_$variant.elf sparce_$variant.bin
  python3 - "$variant" "$cmd" "$($CC --version | head -1)" "$TEXT" <<'PY'
import hashlib, json, subprocess, sys
variant, cmd, version, text = sys.argv[1:]
out = subprocess.run(["aarch64-linux-gnu-nm", "-S", f"sparce_{variant}.elf"], capture_output=True, text=True).stdout
symbols = {}
for line in out.splitlines():
    parts = line.split()
    if len(parts) == 4 and parts[2] in "Tt":
        symbols[parts[3]] = {"address": int(parts[0], 16), "size": int(parts[1], 16)}
json.dump({"variant": variant, "text_address": int(text, 16), "compiler": version, "command": cmd,
           "source": "sparce_kernels.c", "symbols": symbols,
           "sha256": hashlib.sha256(open(f"sparce_{variant}.bin", "rb").read()).hexdigest()},
          open(f"sparce_{variant}.json", "w"), indent=1)
PY
  rm -f sparce_$variant.elf
done
echo "built: $(ls sparce_*.bin)"
