import pytest
import torch

from workbench.nn import resolve_device, torch_threads
from workbench.threads import one_torch_thread


def test_auto_gives_cuda_only_when_available():
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert resolve_device("auto").type == expected
    assert resolve_device().type == expected


def test_cpu_and_device_objects():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device(torch.device("cpu")) == torch.device("cpu")
    assert resolve_device(" CPU ") == torch.device("cpu")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_gpu_is_a_clear_error():
    with pytest.raises(RuntimeError, match="CUDA"):
        resolve_device("cuda")
    with pytest.raises(RuntimeError, match="cuda:1"):
        resolve_device("cuda:1")


def test_unknown_device_names_the_value():
    with pytest.raises(ValueError, match="tpu"):
        resolve_device("tpu")


def test_torch_threads_pins_and_restores_even_on_error():
    before = torch.get_num_threads()
    with pytest.raises(KeyError):
        with torch_threads(2):
            assert torch.get_num_threads() == 2
            raise KeyError("boom")
    assert torch.get_num_threads() == before
    with pytest.raises(ValueError, match="threads=0"):
        with torch_threads(0):
            pass


def test_one_torch_thread_pins_one_thread_and_restores():
    with torch_threads(2):
        with one_torch_thread():
            assert torch.get_num_threads() == 1
        assert torch.get_num_threads() == 2
