"""Seed-result files that cannot be imported are named in one warning (what is wrong, how to regenerate them) and
the store is read without them: never a traceback, never a half import."""

import json
import re

import pandas as pd
import pytest
from sample_studies import LENS

from workbench.core.files import content_sha256

GOOD = {**LENS.defaults(), **LENS.evaluate()}


def seed_files(tmp_path, monkeypatch, rows=(GOOD,), sidecar=None, parquet=None):
    seeds = tmp_path / "reference" / "seeds"
    seeds.mkdir(parents=True)
    path = seeds / f"{LENS.name}.parquet"
    if parquet is None:
        pd.DataFrame(list(rows)).to_parquet(path)
    else:
        path.write_bytes(parquet)
    meta = {"study_version": LENS.version, "command": "workbench sweep sample.lens --write-seed",
            "sha256": content_sha256(path)}
    (seeds / f"{LENS.name}.json").write_text(json.dumps(meta) if sidecar is None else sidecar)
    monkeypatch.setattr("workbench.core.store.reference_dir", lambda: tmp_path / "reference")
    return path


def parquet_with(**extra) -> bytes:
    """A seed file of the good row and ``extra`` columns, as bytes."""
    return pd.DataFrame({**{k: [v] for k, v in GOOD.items()}, **extra}).to_parquet()


CASES = [
    ("extension-type", dict(parquet=parquet_with(extra=pd.period_range("2000", periods=1, freq="D"))),
     r"has column 'extra' of type extension<pandas.period.*>, which workbench files never hold; allowed: numbers, "
     r"booleans, text, timestamps and lists/structs of them"),
    ("binary-column", dict(parquet=parquet_with(extra=[b"\x80\x04payload"])), r"has column 'extra' of type binary"),
    ("categorical-column", dict(parquet=parquet_with(extra=pd.Categorical(["a"]))),
     r"has column 'extra' of type dictionary<values=string"),
    ("garbage", dict(parquet=bytes(range(256)) * 4), r"is damaged or not a Parquet file"),
    ("altered-after-writing", dict(sidecar=json.dumps({"study_version": LENS.version, "sha256": "0" * 64})),
     r"does not match the SHA-256 its sidecar sample.lens.json records \(\w{12}\.\.\. vs 000000000000\.\.\.\): it "
     r"was altered or damaged after it was written"),
    ("damaged-parquet", dict(parquet=b"PAR1 and then nothing"), r"is damaged or not a Parquet file"),
    ("sidecar-not-json", dict(sidecar="{version: 1"), r"cannot be checked: its sidecar sample.lens.json is not "
     r"readable JSON"),
    ("sidecar-a-list", dict(sidecar="[1, 2]"), r"cannot be checked: its sidecar sample.lens.json holds a JSON list, "
     r"not an object"),
    ("sidecar-missing-version", dict(sidecar="{}"), r"were made by sample.lens version None, not the current version"),
    ("other-version", dict(sidecar=json.dumps({"study_version": "0"})), r"were made by sample.lens version '0'"),
    ("knob-out-of-range", dict(rows=[GOOD, {**GOOD, "aperture_mm": 1e9}]), r"row 1: .*aperture_mm.* is not allowed"),
    ("knob-as-text", dict(rows=[{**GOOD, "focal_mm": "long"}]), r"row 0: .*focal_mm"),
    ("metric-as-text", dict(rows=[{**GOOD, "brightness": "bright"}]), r"row 0: metric 'brightness' is 'bright'; "
     r"allowed: a number"),
    ("metric-missing", dict(rows=[{k: v for k, v in GOOD.items() if k != "weight_g"}]),
     r"row 0: metric 'weight_g' is None; allowed: a number"),
    # a NaN only where a metric declares when it does not apply (issue 30): none of sample.lens's does
    ("metric-nan", dict(rows=[GOOD, {**GOOD, "brightness": float("nan")}]),
     r"row 1: metric 'brightness' is nan; allowed: a finite number \(NaN only for a metric that declares when it "
     r"does not apply\)"),
    ("metric-infinite", dict(rows=[{**GOOD, "weight_g": float("-inf")}]),
     r"row 0: metric 'weight_g' is -inf; allowed: a finite number; not imported"),
    ("fact-infinite", dict(parquet=parquet_with(layers_k=[float("inf")])),
     r"row 0: column 'layers_k' is inf; allowed: a finite number or blank"),
]


@pytest.mark.parametrize("files,says", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_seed_file_that_cannot_be_imported_is_named_and_skipped(files, says, store, tmp_path, monkeypatch):
    path = seed_files(tmp_path, monkeypatch, **files)
    with pytest.warns(UserWarning) as caught:
        assert store.frame(LENS).empty
    [message] = [str(w.message) for w in caught]
    assert message.startswith(f"seed results {path} ") and re.search(says, message), message
    assert message.endswith("not imported (regenerate them with `workbench sweep sample.lens ... --write-seed`; the "
                            "sidecar sample.lens.json records the command that made them)")


def test_a_good_seed_file_is_imported_once(store, tmp_path, monkeypatch):
    seed_files(tmp_path, monkeypatch)
    frame = store.frame(LENS)
    assert len(frame) == 1 and bool(frame["seeded"].iloc[0]) and frame["brightness"].iloc[0] == GOOD["brightness"]
    assert store.ensure_seeded(LENS) == 0


@pytest.mark.parametrize("files,says", [c[1:] for c in CASES[:4]], ids=[c[0] for c in CASES[:4]])
def test_reading_a_crafted_seed_file_through_the_python_api_is_one_clear_error(files, says, tmp_path, monkeypatch):
    from workbench.core.integrity import DamagedFile
    from workbench.core.seeds import seed_points

    path = seed_files(tmp_path, monkeypatch, **files)
    with pytest.raises(DamagedFile, match=rf"^seed results {path} {says}.* \(regenerate them with `workbench sweep "
                                          r"sample.lens \.\.\. --write-seed`"):
        seed_points(LENS, path)
    path.write_bytes(parquet_with())
    path.with_suffix(".json").write_text(json.dumps({"study_version": LENS.version, "sha256": content_sha256(path)}))
    assert seed_points(LENS, path).to_dict("records") == [GOOD]


def test_nan_is_read_where_a_metric_declares_when_it_does_not_apply(tmp_path, monkeypatch):
    """A NaN of a metric with ``not_applicable`` and a blank fact column (a composed point's other stages) are kept;
    the same NaN in a metric without the declaration is refused (the case table above)."""
    from dataclasses import replace

    from workbench.core.seeds import seed_points

    declared = replace(LENS, metrics=tuple(replace(m, not_applicable="no lens mounted") if m.name == "brightness"
                                           else m for m in LENS.metrics))
    rows = [GOOD, {**GOOD, "aperture_mm": 20.0, "brightness": float("nan")}]
    path = seed_files(tmp_path, monkeypatch, parquet=pd.DataFrame(rows).assign(fact=[1.0, float("nan")]).to_parquet())
    frame = seed_points(declared, path)
    assert frame["brightness"].isna().tolist() == [False, True] and frame["fact"].isna().tolist() == [False, True]
