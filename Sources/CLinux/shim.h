#ifndef SNAP_CLINUX_SHIM_H
#define SNAP_CLINUX_SHIM_H
// Linux calls that Swift's Glibc module leaves out (they need _GNU_SOURCE), and compiler
// builtins Swift has no spelling for.
#include <malloc.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

// copy_file_range(2) between the descriptors' current offsets, as cp does.
static inline long snap_copy_file_range(int input, int output, size_t length) {
    return syscall(SYS_copy_file_range, input, NULL, output, NULL, length, 0);
}

// sync_file_range(2) with SYNC_FILE_RANGE_WRITE: starts writing a range of the file's dirty
// pages to disk and returns without waiting for it.
static inline int snap_start_writeback(int fd, long long offset, long long length) {
    return (int)syscall(SYS_sync_file_range, fd, offset, length, 2 /* SYNC_FILE_RANGE_WRITE */);
}

// open(2)'s O_TMPFILE (__O_TMPFILE | O_DIRECTORY on Linux): an unnamed file in a directory,
// gone when its descriptor closes, also when the process is killed.
static const int SNAP_O_TMPFILE = 020000000 | 0200000;

// Asks for the cache line at `address` ahead of a read the CPU cannot predict.
static inline void snap_prefetch(const void *address) {
    __builtin_prefetch(address);
}
// glibc gives the top of the heap back to the kernel as soon as more than a little is free
// there, and takes it again on the next allocation: swift-crypto's sealing allocates and
// frees its output for every 64 KiB age chunk, which made that two brk calls, page faults
// and page clearing per chunk. Freed memory is kept for reuse instead (up to 64 MiB), and
// allocations up to 4 MiB come from the heap.
static inline void snap_keep_freed_heap(void) {
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 4 << 20);
}
#endif
