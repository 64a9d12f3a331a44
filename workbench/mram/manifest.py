"""The MRAM compute-in-memory theme's declaration."""

from workbench.core.manifest import ThemeManifest
from workbench.mram.device import regenerate

MANIFEST = ThemeManifest(
    theme="mram",
    title="MRAM compute-in-memory: STT-CiM and VSH/DVSH-MRAM",
    papers=("1703.02118", "1912.07821"),
    notebook="mram_cim.ipynb",
    claims=("S1", "S2", "V1", "V2"),
    summary="Stochastic LLG magnets to STT/GSH/VSH write paths, arrays at iso sense margin and iso WER, CiM sensing "
            "under variation, and kernel-level memory energy and time with and without CiM.",
    regenerate=regenerate,
)
