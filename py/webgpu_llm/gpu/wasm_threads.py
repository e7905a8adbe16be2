"""How many threads run a decode step: all of them, or one, whichever is faster here and now.

A decode step is ~50 small ops with ~400 barriers; prefill's ops are batch-sized. On the 2-core
box, shared with other work, two threads made prefill faster but decode slower than one thread
(a barrier waits for a descheduled partner, or for it to wake), while on an idle many-core
machine more threads should win. So the device measures instead of guessing: the first replays
of a captured decode step alternate between the whole team and one thread, then the faster is
kept, and measured again every RETUNE replays as the machine's load changes. Programs that are
not replays (prefill, load-time repacks) always use the whole team.
"""
import statistics
import time

SAMPLES = 3    # runs per candidate
RETUNE = 256   # replays between measurements


class DecodeThreads:
    def __init__(self, runtime, clock=time.perf_counter):
        self.runtime = runtime
        self.team = runtime.threads
        self.clock = clock
        self.current = self.team
        self.replays = 0
        self.best = None if self.team > 1 else 1
        self.times = {}

    def use(self, n):
        if n != self.current:
            self.runtime.set_threads(n)
            self.current = n

    def whole_team(self):
        self.use(self.team)

    def replay(self, run):
        """run() a captured decode step on the team size chosen (or being measured)."""
        self.replays += 1
        if self.team > 1 and self.replays % RETUNE == 0:
            self.best, self.times = None, {}
        if self.best is not None:
            self.use(self.best)
            return run()
        candidates = (self.team, 1)
        n = min(candidates, key=lambda c: len(self.times.get(c, ())))  # alternate the two
        self.use(n)
        start = self.clock()
        result = run()
        self.times.setdefault(n, []).append(self.clock() - start)
        if all(len(self.times.get(c, ())) >= SAMPLES for c in candidates):
            self.best = min(candidates, key=lambda c: statistics.median(self.times[c]))
        return result
