#ifndef SNAP_CLINUX_SHIM_H
#define SNAP_CLINUX_SHIM_H
// Linux calls that Swift's Glibc module leaves out (they need _GNU_SOURCE).
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

// copy_file_range(2) between the descriptors' current offsets, as cp does.
static inline long snap_copy_file_range(int input, int output, size_t length) {
    return syscall(SYS_copy_file_range, input, NULL, output, NULL, length, 0);
}
#endif
