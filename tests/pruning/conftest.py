import pytest
import torch


@pytest.fixture(autouse=True)
def _one_thread():
    """The suite shares two cores with other jobs: one intra-op thread keeps timings stable."""
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
