"""modbound.core.memory: glibc's allocator set for a block and set back, also when the block fails."""

import platform
import sys

import numpy as np
import pytest

from modbound.core import memory


class FakeLibc:
    def __init__(self):
        self.calls = []

    def mallopt(self, param, value):
        self.calls.append((param, value))
        return 1


def test_reuse_freed_memory_sets_and_restores_glibc_settings(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(memory, "_glibc", lambda: libc)
    with pytest.raises(RuntimeError, match="inside"):
        with memory.reuse_freed_memory() as applied:
            assert applied is True
            assert libc.calls == [(memory.M_MMAP_MAX, 0), (memory.M_TRIM_THRESHOLD, memory.KEEP)]
            raise RuntimeError("inside")
    assert libc.calls[2:] == [(memory.M_MMAP_MAX, memory.DEFAULT_MMAP_MAX),
                              (memory.M_TRIM_THRESHOLD, memory.DEFAULT_TRIM_THRESHOLD)]


def test_reuse_freed_memory_disabled_or_without_glibc_touches_nothing(monkeypatch):
    libc = FakeLibc()
    monkeypatch.setattr(memory, "_glibc", lambda: libc)
    with memory.reuse_freed_memory(enabled=False) as applied:
        assert applied is False
    assert libc.calls == []
    monkeypatch.setattr(memory, "_glibc", lambda: None)
    with memory.reuse_freed_memory() as applied:
        assert applied is False


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc's mallopt")
def test_reuse_freed_memory_applies_on_glibc():
    with memory.reuse_freed_memory() as applied:
        assert applied is True
        a = np.ones(12_000_000)            # 96 MB: from the heap now, freed memory kept
        del a
        assert np.ones(12_000_000).sum() == 12_000_000
