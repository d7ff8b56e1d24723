#ifndef SNAP_CARCHIVE_SHIM_H
#define SNAP_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>

/* The AE_IF* macros are casts that do not import into Swift. */
static const unsigned int SNAP_AE_IFMT = AE_IFMT;
static const unsigned int SNAP_AE_IFREG = AE_IFREG;
static const unsigned int SNAP_AE_IFDIR = AE_IFDIR;
static const unsigned int SNAP_AE_IFLNK = AE_IFLNK;
static const unsigned int SNAP_AE_IFCHR = AE_IFCHR;
static const unsigned int SNAP_AE_IFBLK = AE_IFBLK;
static const unsigned int SNAP_AE_IFIFO = AE_IFIFO;
static const unsigned int SNAP_AE_IFSOCK = AE_IFSOCK;
#endif
