"""The buffers of the CPU backend: regions of one WebAssembly memory, handed out by a first-fit
free list over [heap_base, end). Freed regions merge with free neighbours; the memory grows (it
never moves, so addresses stay valid) when no free region fits. Pure Python, no wasm here: the
backend passes `grow(bytes)` that enlarges the real memory and returns its new size.
"""
import bisect

ALIGN = 16  # v128 loads of weights and activations are aligned


def align(n):
    return (n + ALIGN - 1) & ~(ALIGN - 1)


class Allocator:
    def __init__(self, start, end, grow):
        self.top = align(start)  # everything from top to end is free
        self.high = self.top     # memory from here on has never been handed out: still zero
        self.end = end
        self.grow = grow
        self.free_starts = []    # sorted starts of free regions below top
        self.free_sizes = {}     # start -> size
        self.used = {}           # start -> size of live allocations

    def alloc(self, size):
        """The address of `size` bytes (rounded up to ALIGN), and whether they may hold old data
        (memory never handed out before is still zero, as wasm memory starts and grows)."""
        size = align(max(size, 1))
        for i, start in enumerate(self.free_starts):
            free = self.free_sizes[start]
            if free >= size:
                del self.free_starts[i]
                del self.free_sizes[start]
                if free > size:
                    self._insert_free(start + size, free - size)
                self.used[start] = size
                return start, True
        start = self.top
        if start + size > self.end:
            self.end = self.grow(start + size - self.end)
            if start + size > self.end:
                raise MemoryError(f"wasm memory cannot grow to {start + size} bytes")
        self.top = start + size
        self.used[start] = size
        dirty = start < self.high
        self.high = max(self.high, self.top)
        return start, dirty

    def free(self, start):
        size = self.used.pop(start)  # KeyError: not allocated here, or freed twice
        self._insert_free(start, size)
        self._merge_around(start)

    def _insert_free(self, start, size):
        bisect.insort(self.free_starts, start)
        self.free_sizes[start] = size

    def _merge_around(self, start):
        i = self.free_starts.index(start)
        nxt = i + 1
        if nxt < len(self.free_starts) and start + self.free_sizes[start] == self.free_starts[nxt]:
            self.free_sizes[start] += self.free_sizes.pop(self.free_starts.pop(nxt))
        if i > 0:
            prev = self.free_starts[i - 1]
            if prev + self.free_sizes[prev] == start:
                self.free_sizes[prev] += self.free_sizes.pop(self.free_starts.pop(i))
                start = prev
        if start + self.free_sizes[start] == self.top:  # the last region returns to the top
            self.top = start
            del self.free_sizes[start]
            self.free_starts.remove(start)

    @property
    def in_use(self):
        return sum(self.used.values())
