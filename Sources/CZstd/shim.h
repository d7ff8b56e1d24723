#ifndef SNAP_CZSTD_SHIM_H
#define SNAP_CZSTD_SHIM_H
// ZSTD_c_stableInBuffer and ZSTD_d_stableOutBuffer (a delta's tars compressed from and
// decoded into where they are mapped, never copied through zstd's window buffers) are in
// libzstd's experimental section; Debian's libzstd.so has them.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

// Macros Swift does not import.
static const ZSTD_cParameter SNAP_ZSTD_c_stableInBuffer = ZSTD_c_stableInBuffer;
static const ZSTD_dParameter SNAP_ZSTD_d_stableOutBuffer = ZSTD_d_stableOutBuffer;
#endif
