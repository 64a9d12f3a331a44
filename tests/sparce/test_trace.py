"""The trace model (no emulation) gives exactly the emulated run's cycles, breakdown and skip counts."""

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.core.integrity import write_with_sidecar
from workbench.sparce import ops
from workbench.sparce.emulator import Machine
from workbench.sparce.network import emulate_inference, quantised_network
from workbench.sparce.pipeline import PipelineConfig
from workbench.sparce.trace import TraceModel


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(variant=st.sampled_from(["scalar", "neon"]), m=st.sampled_from([4, 8]), k=st.integers(1, 12),
       n=st.sampled_from([4, 8, 12]), density=st.floats(0.0, 1.0), seed=st.integers(0, 2**16),
       sasa=st.sampled_from([(64, 4), (2, 1), (1, 1)]), penalty=st.sampled_from([0, 12, 40]),
       function=st.sampled_from(["gemm", "gemm_blocked"]))
def test_trace_model_equals_emulation_on_random_sparse_gemms(variant, m, k, n, density, seed, sasa, penalty,
                                                             function):
    rng = np.random.default_rng(seed)
    W = rng.integers(-40, 40, (m, k)).astype(np.int32)
    X = rng.integers(1, 40, (k, n)).astype(np.int32)
    X[rng.random((k, n)) >= density] = 0
    config = PipelineConfig(miss_penalty=penalty, branch_penalty=int(seed % 4))
    machine = Machine(variant, sparce=True, sasa_size=sasa[0], sasa_assoc=sasa[1], config=config)
    y, trace = ops.gemm(machine, W, X, function)
    np.testing.assert_array_equal(y, W @ X)
    model = TraceModel(variant, sparce=True, sasa_size=sasa[0], sasa_assoc=sasa[1], config=config)
    assert model.run([(function, {"W": W, "X": X})]) == machine.timing([trace])


def test_trace_model_equals_emulation_on_a_whole_inference():
    net = quantised_network()
    for variant in ("scalar", "neon"):
        for synthetic, gemm in ((None, "gemm"), (0.6, "gemm"), (None, "gemm_blocked")):
            machine = Machine(variant, sparce=True)
            calls, _, traces = emulate_inference(machine, net, net.test_x[2], synthetic=synthetic, seed=3, gemm=gemm)
            model = TraceModel(variant, sparce=True)
            assert model.run([(f, inputs) for _, f, inputs, _ in calls]) == machine.timing(traces)


def test_address_stream_does_not_depend_on_the_data():
    """What lets one recording per shape serve every input: skipping never touches memory or control flow."""
    rng = np.random.default_rng(0)
    W = rng.integers(-9, 9, (8, 10)).astype(np.int32)
    dense = rng.integers(1, 9, (10, 8)).astype(np.int32)
    machine = Machine("scalar", sparce=True)
    _, a = ops.gemm(machine, W, dense)
    _, b = ops.gemm(machine, W, np.zeros_like(dense))
    assert a.addresses == b.addresses and a.sizes == b.sizes and b.skipped > 0
    assert [k[0] for k in a.keys] == [k[0] for k in b.keys]


def test_zero_sparsity_equals_the_baseline_core_and_full_sparsity_the_bound():
    rng = np.random.default_rng(5)
    W = rng.integers(-9, 9, (16, 36)).astype(np.int32)
    dense = rng.integers(1, 9, (36, 32)).astype(np.int32)
    for variant, macs in (("scalar", 1), ("neon", 4)):
        calls = [("gemm", {"W": W, "X": dense})]
        with_sparce = TraceModel(variant, sparce=True).run(calls)
        assert with_sparce["skipped"] == 0 and with_sparce == TraceModel(variant, sparce=False).run(calls)
        empty = TraceModel(variant, sparce=True).run([("gemm", {"W": W, "X": np.zeros_like(dense)})])
        assert empty["skipped"] == 16 * 36 * 32 // macs


def test_the_record_cache_is_plain_arrays_and_round_trips(tmp_path):
    """The on-disk trace record loads with allow_pickle=False (a data file cannot run code) and equals the original."""
    import dataclasses

    import numpy as np

    from workbench.sparce.trace import CallRecord, _load_record, _save_record

    record = CallRecord(
        function="gemm", block_ids=np.arange(4), addresses=np.arange(3), sizes=np.ones(3, dtype=np.int64),
        occ_exec=np.arange(2), occ_bit=np.array([0, 1]), occ_entry=np.array([5, 6]), occ_elems=np.zeros((2, 1)),
        ptype=np.array([0, 1, 1, 0]), ptype_pairs=((-1, 0), (0, 1)), region_count={0: 2, 3: 1}, gated="X", index=7,
        occ_weight=np.array([1.0, 2.0]), static={"width": np.array([2, 0]), "cur_w": np.array([2, 0, 0, 2]),
                                                  "offsets": np.array([0, 4]), "n_bins": 8, "base_ids": np.arange(4)})
    _save_record(tmp_path / "r.npz", record)
    loaded = _load_record(tmp_path / "r.npz", index=3)
    assert loaded.index == 3 and loaded.function == "gemm" and loaded.gated == "X"
    assert loaded.ptype_pairs == record.ptype_pairs and loaded.region_count == record.region_count
    for field in dataclasses.fields(CallRecord):
        if isinstance(getattr(record, field.name), np.ndarray):
            np.testing.assert_array_equal(getattr(loaded, field.name), getattr(record, field.name))
    assert loaded.static["n_bins"] == 8
    np.testing.assert_array_equal(loaded.static["offsets"], [0, 4])


def _npz(arrays) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_a_damaged_record_file_is_named_and_recorded_again(tmp_path, monkeypatch):
    """A truncated record (BadZipFile), one with a NaN, an object payload or altered since it was written is
    re-recorded, not a failed point nor a silently wrong one."""
    import pytest

    from workbench.sparce import trace

    monkeypatch.setenv("WORKBENCH_DATA", str(tmp_path))
    monkeypatch.setattr(trace, "_RECORDS", {})
    rng = np.random.default_rng(0)
    inputs = {"W": rng.integers(-4, 4, (4, 3)).astype(np.int32), "X": rng.integers(0, 4, (3, 4)).astype(np.int32)}
    first = trace.record_call("scalar", "gemm", inputs)
    [path] = (tmp_path / "results" / "sparce_records").glob("*.npz")
    whole = path.read_bytes()
    with np.load(path) as data:
        arrays = dict(data)
    for damage, signed, reason in (
            (whole[: len(whole) // 2], True, "(BadZipFile|EOFError): "),
            (b"", True, "(BadZipFile|EOFError): "),
            (_npz({**arrays, "occ_weight": arrays["occ_weight"] * np.nan}), True, "occ_weight holds .* non-finite"),
            (_npz({**arrays, "sizes": np.array([print], dtype=object)}), True, "ValueError: Object arrays cannot"),
            (_npz({**arrays, "sizes": arrays["sizes"] * 1000}), False, "does not match the SHA-256")):
        (write_with_sidecar if signed else Path.write_bytes)(path, damage)
        monkeypatch.setattr(trace, "_RECORDS", {})
        with pytest.warns(UserWarning, match=rf"cache file {path} is damaged \({reason}.*\); "
                                             r"recording the scalar gemm call again, which replaces it"):
            again = trace.record_call("scalar", "gemm", inputs)
        np.testing.assert_array_equal(again.block_ids, first.block_ids)
        assert path.read_bytes() == whole
