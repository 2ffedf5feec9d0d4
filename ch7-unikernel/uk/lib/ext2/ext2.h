/* A read-only ext2 file system (revision 0 and 1, 128- or 256-byte
 * inodes, block maps with direct and indirect blocks; no journal, no
 * extents), as `mke2fs -t ext2 -d DIR` writes it. Every value read from
 * the disk is untrusted: a corrupt image gives errors, never a crash or a
 * read outside the file system. Blocks of 1, 2 or 4 KiB. */
#ifndef EXT2_EXT2_H
#define EXT2_EXT2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_blk/blk.h"

#define EXT2_BLOCK_MAX    4096
#define EXT2_NAME_MAX     255
#define EXT2_CACHE_BLOCKS 4 /* metadata blocks kept (indirect blocks, inode tables) */

struct ext2_fs {
	struct blkdev *dev;
	uint64_t first_sector;
	uint32_t block_size;
	uint32_t blocks_count;
	uint32_t inodes_count;
	uint32_t first_data_block;
	uint32_t blocks_per_group;
	uint32_t inodes_per_group;
	uint32_t groups;
	uint32_t inode_size;
	uint32_t rev_level;
	bool dir_has_type; /* INCOMPAT_FILETYPE: name_len is 8 bits, a type byte follows */
	struct {
		uint32_t block; /* 0: empty (block 0 is never metadata we read) */
		uint8_t data[EXT2_BLOCK_MAX];
	} cache[EXT2_CACHE_BLOCKS];
	unsigned cache_next;
	uint8_t scratch[EXT2_BLOCK_MAX];   /* a partly read data block */
	uint8_t dir_block[EXT2_BLOCK_MAX]; /* the directory block being walked */
};

struct ext2_file {
	struct ext2_fs *fs;
	uint32_t ino;
	uint16_t mode;
	uint64_t size;
	uint32_t block[15]; /* 12 direct, single, double, triple indirect */
};

/* Reads and checks the superblock of the file system that starts at
 * first_sector of dev: 0, or -1 (printed: what is wrong). */
int ext2_mount(struct ext2_fs *fs, struct blkdev *dev, uint64_t first_sector);
/* Looks up an absolute path ("/a/b"; "/" is the root directory): 0 / -1. */
int ext2_open(struct ext2_fs *fs, const char *path, struct ext2_file *f);
/* Up to len bytes from offset off: the count (0 at the end), or -1. */
long ext2_read(struct ext2_file *f, uint64_t off, void *buf, size_t len);
/* fn(name, size, is_dir, arg) for each entry of directory `dir` except
 * "." and "..", in the directory's order; stops at fn's first non-zero
 * return, which it returns; -1 when dir is not a readable directory (or
 * an entry is corrupt). fn may read files (ext2_read) but must not call
 * ext2_open or ext2_readdir on the same fs: the walk keeps its block there. */
int ext2_readdir(struct ext2_fs *fs, const char *dir,
                 int (*fn)(const char *name, uint64_t size, bool is_dir, void *arg), void *arg);
static inline bool ext2_is_dir(const struct ext2_file *f)
{
	return (f->mode & 0xf000) == 0x4000;
}

#endif
