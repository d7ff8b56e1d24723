#ifndef SNAP_CZSTD_SHIM_H
#define SNAP_CZSTD_SHIM_H
// The advanced dictionary calls (a delta's base held by reference, as raw content) are in
// libzstd's experimental section; Debian's libzstd.so exports them.
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

// Macros Swift does not import.
static const ZSTD_cParameter SNAP_ZSTD_c_forceAttachDict = ZSTD_c_forceAttachDict;
#endif
