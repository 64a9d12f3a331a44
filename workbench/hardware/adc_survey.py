"""B. Murmann's ADC Performance Survey as a compact CSV: the published ADC population the workbench's ADCs follow.

Cite the data as its README asks:

    B. Murmann, "ADC Performance Survey 1997-2025," [Online]. Available: https://github.com/bmurmann/ADC-survey.

``data/reference/adc_survey.csv`` (committed, so the workbench never needs the spreadsheet at run time) holds one row
per published converter of the survey's ISSCC and VLSI sheets, with the columns in :data:`COLUMNS`; its sidecar
``adc_survey.json`` records the citation, the spreadsheet's SHA-256 and the row count. :func:`extract` derives the
table from ``ADCsurvey_latest.xlsx`` with openpyxl; it is a regenerator run by hand::

    workbench regenerate adc-survey

Definitions (the survey's Readme sheet):

* resolution ``SNDR_plot`` (dB): the SNDR near the Nyquist band edge, or for oversampling designs that give only DR
  the smallest of SNR, THD, DR and SFDR; ``ENOB = (SNDR - 1.76) / 6.02``;
* energy per conversion ``P / fsnyq`` with ``fsnyq`` the Nyquist sample rate (``fs / OSR``);
* Walden figure of merit ``FOMW = P / (fsnyq 2^ENOB)`` (R. H. Walden, "Analog-to-digital converter survey and
  analysis", IEEE JSAC 17(4), 1999), the survey's ``FOMW_hf``;
* Schreier figure of merit ``FOMS = SNDR + 10 log10(fsnyq / 2 / P)`` (R. Schreier and G. C. Temes, *Understanding
  Delta-Sigma Data Converters*, Wiley 2005, with SNDR in place of DR), the survey's ``FOMS_hf``.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from workbench.core.integrity import read_csv, write_with_sidecar
from workbench.core.paths import PROJECT_ROOT, reference_dir

__all__ = ["CITATION", "COLUMNS", "enob", "extract", "load_survey", "schreier_fom_db", "walden_fom_fj", "write"]

CITATION = ('B. Murmann, "ADC Performance Survey 1997-2025," [Online]. Available: '
            "https://github.com/bmurmann/ADC-survey.")
SHEETS = ("ISSCC", "VLSI")
#: CSV column -> (spreadsheet header, unit); ``conference``, ``node_nm`` and ``enob`` are derived.
COLUMNS = {
    "year": ("YEAR", ""),
    "conference": ("", "sheet of the survey: ISSCC or VLSI"),
    "paper_id": ("ID", "session.paper number at the conference"),
    "type": ("TYPE", "NQ: Nyquist, OS: oversampling"),
    "architecture": ("ARCHITECTURE", ""),
    "technology": ("TECHNOLOGY", "as tabulated: CMOS feature size in um, or a process name"),
    "node_nm": ("", "nm, the leading feature size of TECHNOLOGY (blank for bipolar/HBT without one)"),
    "sndr_db": ("SNDR_plot [dB]", "dB"),
    "enob": ("", "bits, (SNDR_plot - 1.76) / 6.02"),
    "fs_hz": ("fs [Hz]", "Hz"),
    "fsnyq_hz": ("fsnyq [Hz]", "Hz"),
    "power_w": ("P [W]", "W"),
    "energy_pj": ("P/fsnyq [pJ]", "pJ per Nyquist sample"),
    "area_mm2": ("AREA [mm^2]", "mm2"),
    "fomw_fj": ("FOMW_hf [fJ/conv-step]", "fJ/conversion-step"),
    "foms_db": ("FOMS_hf [dB]", "dB"),
}
CSV_NAME = "adc_survey.csv"
#: Columns a design is kept for only when it reports them (:func:`extract`): never blank in the table.
REQUIRED = ("sndr_db", "power_w", "fsnyq_hz", "energy_pj")
REGENERATE = "workbench regenerate adc-survey"
DEFAULT_XLSX = PROJECT_ROOT.parent / "shared" / "anchors" / "ADCsurvey_latest.xlsx"
_NODE = re.compile(r"^\s*(\d*\.?\d+)")


def enob(sndr_db):
    """Effective number of bits of a converter with ``sndr_db`` (IEEE Std 1241): ``(SNDR - 1.76) / 6.02``."""
    return (np.asarray(sndr_db, dtype=float) - 1.76) / 6.02


def walden_fom_fj(energy_pj, enob_bits):
    """Walden figure of merit ``E / 2^ENOB`` in fJ per conversion step (Walden, IEEE JSAC 1999) of a converter that
    spends ``energy_pj`` per Nyquist sample."""
    return 1e3 * np.asarray(energy_pj, dtype=float) / 2.0 ** np.asarray(enob_bits, dtype=float)


def schreier_fom_db(energy_pj, sndr_db):
    """Schreier figure of merit ``SNDR + 10 log10(fsnyq / (2 P)) = SNDR - 10 log10(2 E)`` in dB (Schreier & Temes
    2005, SNDR form) of a converter that spends ``energy_pj`` (pJ) per Nyquist sample."""
    return np.asarray(sndr_db, dtype=float) - 10 * np.log10(2e-12 * np.asarray(energy_pj, dtype=float))


def _number(value) -> float:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else np.nan


def _node_nm(technology) -> float:
    """The feature size in nm: the survey tabulates CMOS nodes in um (0.028) and BiCMOS/SiGe as "0.35 BiCMOS"."""
    if isinstance(technology, (int, float)):
        return round(float(technology) * 1000, 1)
    match = _NODE.match(str(technology or ""))
    return round(float(match.group(1)) * 1000, 1) if match else np.nan


def extract(xlsx_path: Path = DEFAULT_XLSX) -> pd.DataFrame:
    """The survey's converters as a frame with the columns of :data:`COLUMNS`, one row per design that gives a
    year, SNDR_plot, power and Nyquist rate (openpyxl reads the spreadsheet's cached values).

    Raises
    ------
    KeyError
        If a sheet lacks one of the headers in :data:`COLUMNS` (the survey changed its layout).
    """
    import openpyxl  # a regenerator's dependency only

    book = openpyxl.load_workbook(xlsx_path, read_only=True, data_only=True)
    rows = []
    for sheet in SHEETS:
        table = list(book[sheet].iter_rows(values_only=True))
        header = {name: i for i, name in enumerate(table[0]) if name}
        for raw in table[1:]:
            record = {column: raw[header[name]] for column, (name, _) in COLUMNS.items() if name}
            if not isinstance(record["year"], int):
                continue
            record["conference"] = sheet
            rows.append(record)
    frame = pd.DataFrame(rows)
    for column in ("sndr_db", "fs_hz", "fsnyq_hz", "power_w", "energy_pj", "area_mm2", "fomw_fj", "foms_db"):
        frame[column] = frame[column].map(_number)
    frame["node_nm"] = frame["technology"].map(_node_nm)
    frame["technology"] = frame["technology"].map(lambda t: f"{t:g}" if isinstance(t, float) else str(t).strip())
    frame["paper_id"] = frame["paper_id"].map(lambda p: f"{p:g}" if isinstance(p, (int, float)) else str(p).strip())
    for column in ("type", "architecture"):
        frame[column] = frame[column].fillna("").astype(str).str.strip()
    frame["enob"] = enob(frame["sndr_db"])
    frame = frame.dropna(subset=list(REQUIRED))
    frame = frame[(frame["power_w"] > 0) & (frame["fsnyq_hz"] > 0)]
    return frame[list(COLUMNS)].sort_values(["year", "conference", "paper_id"], kind="stable").reset_index(drop=True)


def write(xlsx_path: Path = DEFAULT_XLSX, folder: Path | None = None) -> Path:
    """Regenerate ``adc_survey.csv`` and its sidecar ``adc_survey.json`` in ``folder`` (default
    ``data/reference/``) from the spreadsheet; returns the CSV's path."""
    folder = reference_dir() if folder is None else Path(folder)
    frame = extract(xlsx_path)
    sidecar = {
        "citation": CITATION,
        "source_file": Path(xlsx_path).name,
        "source_sha256": hashlib.sha256(Path(xlsx_path).read_bytes()).hexdigest(),
        "sheets": list(SHEETS),
        "rows": len(frame),
        "columns": {column: {"from": name, "unit": unit} for column, (name, unit) in COLUMNS.items()},
        "regenerate": REGENERATE,
    }
    return write_with_sidecar(folder / CSV_NAME, frame.to_csv(index=False, float_format="%.6g").encode(), sidecar)


def regenerate() -> list[Path]:
    """Extract data/reference/adc_survey.csv from B. Murmann's ADC survey spreadsheet (needs the xlsx beside the
    repository, in shared/anchors/).

    Returns the file written (``workbench regenerate adc-survey``).
    """
    return [write()]


@functools.cache
def load_survey() -> pd.DataFrame:
    """The committed survey table ``data/reference/adc_survey.csv`` (cached; do not modify the frame), checked against
    the SHA-256 of its sidecar; the columns every row was kept for (:func:`extract`) must hold finite numbers."""
    path = reference_dir() / CSV_NAME
    numbers = tuple(c for c in COLUMNS if c not in ("conference", "paper_id", "type", "architecture", "technology"))
    return read_csv(path, remake=f"restore it with `git checkout -- {path}` or make it again with `{REGENERATE}`",
                    numbers=numbers, blank_ok=tuple(c for c in numbers if c not in REQUIRED),
                    dtype={"paper_id": str, "technology": str}, keep_default_na=False,
                    na_values={c: [""] for c in numbers})

