/* A GUID partition table (UEFI 2.10, §5.3), read to find a partition by
 * its name: the disk of `vmN.disk=part=NAME`. The disk is untrusted input
 * like any other: the primary header and its entry array are checked
 * (signature, sizes, both CRC32s, every LBA inside the disk) before a name
 * is compared. The backup table is not read. */
#ifndef VDEV_GPT_H
#define VDEV_GPT_H

#include <stdint.h>

#define GPT_NAME_MAX 36 /* UTF-16 code units of a partition's name */

/* Reads `len` bytes (a multiple of 512) from 512-byte sector `sector`
 * into buf: 0, or -1. */
typedef int (*gpt_read_fn)(uint64_t sector, void *buf, uint32_t len);

/* Finds the partition called `name` (ASCII; matched exactly against the
 * entry's UTF-16LE name) on a disk of disk_sectors sectors. 0 with its
 * first sector and size in sectors, and the table's usable range (the
 * sectors outside it hold the GPT: MBR, headers, entry arrays); -1 with
 * *why when there is none, the table is not valid (its usable range
 * begins before the end of its entry array, say), or the partition
 * overlaps another used entry. */
int gpt_find(gpt_read_fn read, uint64_t disk_sectors, const char *name, uint64_t *first,
             uint64_t *sectors, uint64_t *usable_first, uint64_t *usable_last, const char **why);

#endif
