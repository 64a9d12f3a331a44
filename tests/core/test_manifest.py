import pandas as pd
import pytest

from workbench.core import manifest
from workbench.core.integrity import record_manifest
from workbench.core.manifest import claim_text, paper_range, paper_value, read_preset, reference_points


@pytest.fixture
def tables(tmp_path, monkeypatch):
    """A theme ``demo`` with its own paper table, in a temporary data/reference/."""
    (tmp_path / "claims.csv").write_text('id,paper,claim\nZ1,1234.56789,"a claim"\n')
    (tmp_path / "demo_paper.csv").write_text(
        "claim,label,quantity,low,high,unit,source\n"
        "Z1,Chip A (paper),speed,10,10,x,arXiv:1234.56789 abstract\n"
        "Z1,Chip A (paper),power_w,2.5,2.5,W,arXiv:1234.56789 abstract\n"
        "Z1,,gain,3.9,4.7,x,arXiv:1234.56789 abstract\n")
    record_manifest(tmp_path, ["claims.csv", "demo_paper.csv"], command="workbench regenerate reference-tables")
    monkeypatch.setattr(manifest, "reference_dir", lambda: tmp_path)
    manifest.claims_table.cache_clear()
    manifest.paper_table.cache_clear()
    yield tmp_path
    manifest.claims_table.cache_clear()
    manifest.paper_table.cache_clear()


def test_values_ranges_and_points_come_from_one_table(tables):
    assert paper_value("demo", "speed", label="Chip A (paper)") == 10
    assert paper_range("demo", "gain") == (3.9, 4.7)
    with pytest.raises(ValueError, match="range 3.9-4.7"):
        paper_value("demo", "gain")
    with pytest.raises(KeyError, match="0 rows for quantity 'nope'"):
        paper_value("demo", "nope")
    points = reference_points("demo")
    assert points.to_dict("records") == [{"label": "Chip A (paper)", "power_w": 2.5, "speed": 10.0,
                                          "source": "arXiv:1234.56789 abstract"}]
    assert claim_text("Z1") == "a claim"
    with pytest.raises(KeyError, match="'Q9' is not in"):
        claim_text("Q9")


def test_a_table_without_its_columns_is_named(tables):
    (tables / "broken_paper.csv").write_text("claim,quantity,value\nZ1,speed,3\n")
    record_manifest(tables, ["broken_paper.csv"], command="workbench regenerate reference-tables")
    with pytest.raises(ValueError, match=r"broken_paper.csv: missing column\(s\) \['label', 'low', 'high'"):
        manifest.paper_table("broken")


def test_read_preset_lists_the_available_and_refuses_non_mappings(tmp_path):
    assert read_preset("tim", "tim_32nm")["technology"]["node_nm"]["value"] == 32
    with pytest.raises(ValueError, match=r"available: \['tim_32nm'\]"):
        read_preset("tim", "tim_7nm")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(ValueError, match="must be a YAML mapping, got list"):
        read_preset("x", "list", tmp_path)
    (tmp_path / "code.yaml").write_text("a: !!python/object/apply:os.system ['true']\n")
    with pytest.raises(ValueError, match="not valid YAML"):
        read_preset("x", "code", tmp_path)


def test_every_claim_result_refers_to_a_claim():
    from workbench.core.reproduce import ClaimResult

    assert ClaimResult("M1", "q", 1.0, 1.0, "", True).claim == "M1"
    with pytest.raises(KeyError, match="'M9' is not in data/reference/claims.csv"):
        ClaimResult("M9", "q", 1.0, 1.0, "", True)
    assert isinstance(manifest.claims_table(), pd.DataFrame)
