/* ext2's on-disk format, as far as a reader needs it (the layout of
 * e2fsprogs' lib/ext2fs/ext2_fs.h), little-endian. Offsets, not structs:
 * fields are read from untrusted blocks with ext2_le16/32. */
#ifndef EXT2_EXT2_DISK_H
#define EXT2_EXT2_DISK_H

#include <stdint.h>

#define EXT2_SUPERBLOCK_OFFSET 1024 /* bytes from the start of the file system */
#define EXT2_SUPERBLOCK_SIZE   1024
#define EXT2_MAGIC             0xef53
#define EXT2_ROOT_INO          2

/* Superblock fields */
#define SB_INODES_COUNT     0
#define SB_BLOCKS_COUNT     4
#define SB_FIRST_DATA_BLOCK 20
#define SB_LOG_BLOCK_SIZE   24 /* block size = 1024 << this */
#define SB_BLOCKS_PER_GROUP 32
#define SB_INODES_PER_GROUP 40
#define SB_MAGIC            56 /* u16 */
#define SB_REV_LEVEL        76
#define SB_INODE_SIZE       88 /* u16, revision 1 */
#define SB_FEATURE_COMPAT   92
#define SB_FEATURE_INCOMPAT 96

#define EXT2_GOOD_OLD_REV        0 /* 128-byte inodes, no features */
#define EXT2_DYNAMIC_REV         1
#define EXT2_GOOD_OLD_INODE_SIZE 128

/* Incompatible features: a reader that does not know one must not mount.
 * This one knows only FILETYPE (a type byte in directory entries). */
#define EXT2_FEATURE_INCOMPAT_FILETYPE 0x0002

/* Group descriptor (32 bytes, in the blocks after the superblock's) */
#define EXT2_GROUP_DESC_SIZE 32
#define GD_INODE_TABLE       8

/* Inode fields */
#define INODE_MODE      0 /* u16 */
#define INODE_SIZE      4
#define INODE_FLAGS     32
#define INODE_BLOCK     40  /* 15 block numbers */
#define INODE_SIZE_HIGH 108 /* revision 1, regular files: bits 32-63 of the size */

#define EXT2_NDIR_BLOCKS 12
#define EXT2_IND_BLOCK   12
#define EXT2_DIND_BLOCK  13
#define EXT2_TIND_BLOCK  14
#define EXT2_N_BLOCKS    15

/* Inode flags this reader cannot follow (ext4's): the block map is absent. */
#define EXT4_EXTENTS_FL     0x00080000
#define EXT4_INLINE_DATA_FL 0x10000000

#define EXT2_S_IFMT  0xf000
#define EXT2_S_IFDIR 0x4000
#define EXT2_S_IFREG 0x8000

/* Directory entry: inode, rec_len, name_len (8 bits and a type byte with
 * FILETYPE, else 16 bits), the name (not NUL-terminated). */
#define DIRENT_INODE    0
#define DIRENT_REC_LEN  4
#define DIRENT_NAME_LEN 6
#define DIRENT_NAME     8

static inline uint16_t ext2_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t ext2_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
