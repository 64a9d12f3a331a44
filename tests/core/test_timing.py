from workbench.core.timing import best_time


def test_best_time_calls_warm_up_then_repeats_times_inner_and_returns_a_per_call_time():
    calls = []
    seconds = best_time(lambda: calls.append(1), 3, inner=4)
    assert len(calls) == 1 + 3 * 4 and seconds >= 0
    calls.clear()
    best_time(lambda: calls.append(1), 2, warmup=False)
    assert len(calls) == 2
