import pickle

import numpy as np
import pytest

from workbench.datasets import cifar10, cifar100


def write_batch(path, n, label_key, classes, rng):
    data = {b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
            label_key: (np.arange(n) % classes).tolist()}
    with open(path, "wb") as f:
        pickle.dump(data, f)


@pytest.fixture
def fake_cifar10(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for i in range(1, 6):
        write_batch(folder / f"data_batch_{i}", 40, b"labels", 10, rng)
    write_batch(folder / "test_batch", 30, b"labels", 10, rng)
    return tmp_path


def test_cifar10_reads_the_python_format_from_root_or_its_folder(fake_cifar10):
    for root in (fake_cifar10, fake_cifar10 / "cifar-10-batches-py"):
        s = cifar10(root, val_fraction=0.1)
        assert s.input_shape == (3, 32, 32) and s.num_classes == 10
        assert len(s.train) + len(s.val) == 200 and len(s.val) == 20 and len(s.test) == 30
    # Pixels keep their layout: channel planes of 32x32, row-major.
    with open(fake_cifar10 / "cifar-10-batches-py" / "test_batch", "rb") as f:
        raw = pickle.load(f, encoding="bytes")[b"data"][0].reshape(3, 32, 32).astype(np.float32)
    x = s.test.tensors[0][0].numpy()
    assert np.corrcoef(raw[1].ravel(), x[1].ravel())[0, 1] > 0.999


def test_cifar100_uses_fine_labels(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    write_batch(folder / "train", 300, b"fine_labels", 100, rng)
    write_batch(folder / "test", 50, b"fine_labels", 100, rng)
    s = cifar100(tmp_path, val_fraction=0.5)
    assert s.num_classes == 100 and len(s.test) == 50 and len(s.val) == 150
    assert sorted(set(s.val.tensors[1].tolist())) == list(range(100))


@pytest.mark.parametrize("loader,expected", [(cifar10, "data_batch_1"), (cifar100, "'train'")])
def test_missing_data_names_the_path_and_files(tmp_path, loader, expected):
    with pytest.raises(FileNotFoundError) as info:
        loader(tmp_path / "nowhere")
    assert "nowhere" in str(info.value) and expected in str(info.value)


@pytest.mark.parametrize("protocol", [2, 5])
def test_batches_of_every_pickle_protocol_load(tmp_path, protocol):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    for name, n in (("train", 20), ("test", 10)):
        data = {b"data": np.full((n, 3072), 7, dtype=np.uint8), b"fine_labels": [i % 2 for i in range(n)]}
        (folder / name).write_bytes(pickle.dumps(data, protocol=protocol))
    s = cifar100(tmp_path, val_fraction=0.5)
    assert len(s.test) == 10 and s.test.tensors[1].tolist() == [i % 2 for i in range(10)]


class _Exploit:
    """A pickle payload that creates ``marker`` when unpickled by a plain ``pickle.load``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return exec, (f"open({self.marker!r}, 'w').close()",)


def test_a_crafted_batch_runs_no_code_and_is_named(fake_cifar10, tmp_path):
    marker = tmp_path / "pwned"
    batch = fake_cifar10 / "cifar-10-batches-py" / "data_batch_3"
    batch.write_bytes(pickle.dumps({b"data": _Exploit(marker), b"labels": [0]}))
    with pytest.raises(ValueError, match=r"data_batch_3 is not a CIFAR batch.*builtins\.exec"):
        cifar10(fake_cifar10)
    assert not marker.exists()
    pickle.loads(batch.read_bytes())  # the same file through a plain unpickler does run its code
    assert marker.exists()


def test_a_truncated_batch_is_named(fake_cifar10):
    batch = fake_cifar10 / "cifar-10-batches-py" / "test_batch"
    batch.write_bytes(batch.read_bytes()[:100])
    with pytest.raises(ValueError, match="test_batch is not a CIFAR batch"):
        cifar10(fake_cifar10)
