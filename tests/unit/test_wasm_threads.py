"""The CPU backend's choice of team size for decode replays: measured, then kept, then re-measured."""
from webgpu_llm.gpu import wasm_threads
from webgpu_llm.gpu.wasm_threads import DecodeThreads


class Runtime:
    """Two threads; a step takes `cost[n]` seconds on n threads (on a fake clock)."""

    def __init__(self, cost):
        self.threads, self.n, self.cost, self.now, self.calls = 2, 2, cost, 0.0, []  # the pool starts whole

    def set_threads(self, n):
        self.calls.append(n)
        self.n = n

    def step(self):
        self.now += self.cost[self.n]


def run(tuner, runtime, replays):
    for _ in range(replays):
        tuner.replay(runtime.step)


def test_the_faster_team_size_is_measured_then_kept():
    runtime = Runtime({2: 0.030, 1: 0.050})
    tuner = DecodeThreads(runtime, clock=lambda: runtime.now)
    run(tuner, runtime, 6)
    assert tuner.best == 2 and sorted(len(t) for t in tuner.times.values()) == [3, 3]
    before = len(runtime.calls)
    run(tuner, runtime, 20)
    assert runtime.n == 2 and len(runtime.calls) == before + 1  # switched back once, then kept


def test_one_thread_wins_when_barriers_cost_more_than_the_split_saves():
    runtime = Runtime({2: 0.060, 1: 0.035})
    tuner = DecodeThreads(runtime, clock=lambda: runtime.now)
    run(tuner, runtime, 10)
    assert tuner.best == 1 and runtime.n == 1
    tuner.whole_team()  # a prefill program: all threads
    assert runtime.n == 2


def test_it_measures_again_as_the_load_changes(monkeypatch):
    monkeypatch.setattr(wasm_threads, "RETUNE", 10)
    runtime = Runtime({2: 0.060, 1: 0.035})
    tuner = DecodeThreads(runtime, clock=lambda: runtime.now)
    run(tuner, runtime, 9)
    assert tuner.best == 1
    runtime.cost = {2: 0.020, 1: 0.035}  # the other work stopped
    run(tuner, runtime, 7)
    assert tuner.best == 2


def test_a_single_thread_runtime_is_never_switched():
    runtime = Runtime({1: 0.01})
    runtime.threads, runtime.n = 1, 1
    tuner = DecodeThreads(runtime, clock=lambda: runtime.now)
    run(tuner, runtime, 5)
    assert runtime.calls == [] and tuner.best == 1
