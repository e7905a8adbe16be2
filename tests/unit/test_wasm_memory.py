"""The CPU backend's allocator: first fit, merging, growth, and which memory may be dirty."""
import pytest

from webgpu_llm.gpu.wasm_memory import ALIGN, Allocator


def allocator(start=1000, end=4096):
    grown = []

    def grow(n):
        grown.append(n)
        return a.end + -(-n // 4096) * 4096
    a = Allocator(start, end, grow)
    return a, grown


def test_allocations_are_aligned_disjoint_and_fresh_memory_is_clean():
    a, _ = allocator()
    spans = [a.alloc(n) for n in (1, 100, 17, 64)]
    assert all(addr % ALIGN == 0 and not dirty for addr, dirty in spans)
    addrs = [addr for addr, _ in spans]
    assert addrs == sorted(addrs) and addrs[0] >= 1000 and addrs[1] - addrs[0] == ALIGN


def test_freed_memory_is_reused_first_fit_and_marked_dirty():
    a, _ = allocator()
    x, _ = a.alloc(256)
    y, _ = a.alloc(64)
    a.free(x)
    z, dirty = a.alloc(100)
    assert z == x and dirty
    w, dirty = a.alloc(128)  # the rest of x's region: 256 - 112
    assert w == x + 112 and dirty and a.alloc(16)[0] == x + 240 and a.alloc(16)[0] > y


def test_neighbours_merge_and_the_last_region_returns_to_the_top():
    a, _ = allocator()
    blocks = [a.alloc(64)[0] for _ in range(4)]
    top = a.top
    a.free(blocks[1])
    a.free(blocks[2])
    assert a.free_sizes == {blocks[1]: 128}
    a.free(blocks[3])  # merges with 1-2 and with the top
    assert a.free_sizes == {} and a.top == blocks[1] < top
    again, dirty = a.alloc(192)
    assert again == blocks[1] and dirty  # below the high-water mark: used before


def test_memory_grows_when_nothing_fits_and_double_free_is_an_error():
    a, grown = allocator(end=2048)
    big, dirty = a.alloc(10000)
    assert grown and a.end >= big + 10000 and not dirty
    a.free(big)
    with pytest.raises(KeyError):
        a.free(big)
    assert a.in_use == 0
