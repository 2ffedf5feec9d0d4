/* Read-only ext2 (see ext2.h). Every block number, size, count and
 * directory entry comes from the disk and is checked before use: block
 * numbers against the file system's size, entries against their block,
 * the logical block of a read against what a block map can address. */
#include "ext2/ext2.h"

#include <stdio.h>
#include <string.h>

#include "ext2/ext2_disk.h"

#define SECTOR       BLK_SECTOR_SIZE
#define EXT2_RUN_MAX 64 /* blocks in one request */

static int refuse(const char *why, uint64_t value)
{
	printf("ext2: %s (%llu)\n", why, (unsigned long long)value);
	return -1;
}

static int read_block(struct ext2_fs *fs, uint32_t block, void *buf)
{
	uint32_t per_block = fs->block_size / SECTOR;
	return blk_read(fs->dev, fs->first_sector + (uint64_t)block * per_block, buf, per_block);
}

/* A metadata block, through a small cache; NULL on an I/O error. The
 * pointer holds until the next call. */
static const uint8_t *meta_block(struct ext2_fs *fs, uint32_t block)
{
	for (unsigned i = 0; i < EXT2_CACHE_BLOCKS; i++)
		if (fs->cache[i].block == block)
			return fs->cache[i].data;
	unsigned slot = fs->cache_next++ % EXT2_CACHE_BLOCKS;
	fs->cache[slot].block = 0;
	if (read_block(fs, block, fs->cache[slot].data))
		return NULL;
	fs->cache[slot].block = block;
	return fs->cache[slot].data;
}

static bool valid_block(const struct ext2_fs *fs, uint32_t block)
{
	return block >= fs->first_data_block && block < fs->blocks_count;
}

int ext2_mount(struct ext2_fs *fs, struct blkdev *dev, uint64_t first_sector)
{
	memset(fs, 0, sizeof(*fs));
	fs->dev = dev;
	fs->first_sector = first_sector;
	uint64_t sectors = dev ? blk_sectors(dev) : 0;
	if (first_sector > sectors ||
	    sectors - first_sector < (EXT2_SUPERBLOCK_OFFSET + EXT2_SUPERBLOCK_SIZE) / SECTOR)
		return refuse("device too small for a superblock", sectors);
	uint8_t *sb = fs->scratch;
	if (blk_read(dev, first_sector + EXT2_SUPERBLOCK_OFFSET / SECTOR, sb,
	             EXT2_SUPERBLOCK_SIZE / SECTOR))
		return -1;
	if (ext2_le16(sb + SB_MAGIC) != EXT2_MAGIC)
		return refuse("no ext2 magic", ext2_le16(sb + SB_MAGIC));
	uint32_t log_block_size = ext2_le32(sb + SB_LOG_BLOCK_SIZE);
	if (log_block_size > 2)
		return refuse("block size not 1, 2 or 4 KiB: log2(size/1024) is", log_block_size);
	fs->block_size = 1024u << log_block_size;
	fs->rev_level = ext2_le32(sb + SB_REV_LEVEL);
	if (fs->rev_level == EXT2_GOOD_OLD_REV) {
		fs->inode_size = EXT2_GOOD_OLD_INODE_SIZE;
	} else if (fs->rev_level == EXT2_DYNAMIC_REV) {
		fs->inode_size = ext2_le16(sb + SB_INODE_SIZE);
		uint32_t incompat = ext2_le32(sb + SB_FEATURE_INCOMPAT);
		if (incompat & ~(uint32_t)EXT2_FEATURE_INCOMPAT_FILETYPE)
			return refuse("incompatible features (ext3/ext4?)", incompat);
		fs->dir_has_type = incompat & EXT2_FEATURE_INCOMPAT_FILETYPE;
	} else {
		return refuse("unknown revision", fs->rev_level);
	}
	if (fs->inode_size < EXT2_GOOD_OLD_INODE_SIZE || fs->inode_size > fs->block_size ||
	    (fs->inode_size & (fs->inode_size - 1)))
		return refuse("bad inode size", fs->inode_size);
	fs->blocks_count = ext2_le32(sb + SB_BLOCKS_COUNT);
	fs->inodes_count = ext2_le32(sb + SB_INODES_COUNT);
	fs->first_data_block = ext2_le32(sb + SB_FIRST_DATA_BLOCK);
	fs->blocks_per_group = ext2_le32(sb + SB_BLOCKS_PER_GROUP);
	fs->inodes_per_group = ext2_le32(sb + SB_INODES_PER_GROUP);
	if (fs->first_data_block != (fs->block_size == 1024 ? 1u : 0u))
		return refuse("bad first data block", fs->first_data_block);
	if (fs->blocks_count <= fs->first_data_block + 1)
		return refuse("bad block count", fs->blocks_count);
	if ((uint64_t)fs->blocks_count * (fs->block_size / SECTOR) > sectors - first_sector)
		return refuse("file system larger than its device, blocks", fs->blocks_count);
	if (!fs->blocks_per_group || fs->blocks_per_group > fs->block_size * 8)
		return refuse("bad blocks per group", fs->blocks_per_group);
	if (!fs->inodes_per_group || fs->inodes_per_group > fs->block_size * 8)
		return refuse("bad inodes per group", fs->inodes_per_group);
	fs->groups = (fs->blocks_count - fs->first_data_block + fs->blocks_per_group - 1) /
	             fs->blocks_per_group;
	if (fs->inodes_count < EXT2_ROOT_INO ||
	    fs->inodes_count > (uint64_t)fs->groups * fs->inodes_per_group)
		return refuse("bad inode count", fs->inodes_count);
	uint64_t desc_blocks =
	    ((uint64_t)fs->groups * EXT2_GROUP_DESC_SIZE + fs->block_size - 1) / fs->block_size;
	if (fs->first_data_block + 1 + desc_blocks > fs->blocks_count)
		return refuse("group descriptors beyond the file system, groups", fs->groups);
	return 0;
}

/* Reads inode `ino` into f: 0, or -1 (printed) when it is out of range,
 * its inode table is, or it uses what this reader does not know. */
static int read_inode(struct ext2_fs *fs, uint32_t ino, struct ext2_file *f)
{
	if (ino < 1 || ino > fs->inodes_count)
		return refuse("inode number out of range", ino);
	uint32_t group = (ino - 1) / fs->inodes_per_group;
	uint32_t index = (ino - 1) % fs->inodes_per_group;
	uint64_t desc_offset = (uint64_t)group * EXT2_GROUP_DESC_SIZE;
	const uint8_t *desc =
	    meta_block(fs, fs->first_data_block + 1 + (uint32_t)(desc_offset / fs->block_size));
	if (!desc)
		return -1;
	uint32_t table = ext2_le32(desc + desc_offset % fs->block_size + GD_INODE_TABLE);
	uint64_t offset = (uint64_t)index * fs->inode_size;
	uint64_t block = table + offset / fs->block_size;
	if (!valid_block(fs, table) || block >= fs->blocks_count)
		return refuse("inode table out of range, group", group);
	const uint8_t *raw = meta_block(fs, (uint32_t)block);
	if (!raw)
		return -1;
	raw += offset % fs->block_size;

	memset(f, 0, sizeof(*f));
	f->fs = fs;
	f->ino = ino;
	f->mode = ext2_le16(raw + INODE_MODE);
	f->size = ext2_le32(raw + INODE_SIZE);
	if (fs->rev_level == EXT2_DYNAMIC_REV && (f->mode & EXT2_S_IFMT) == EXT2_S_IFREG)
		f->size |= (uint64_t)ext2_le32(raw + INODE_SIZE_HIGH) << 32;
	uint32_t flags = ext2_le32(raw + INODE_FLAGS);
	if (flags & (EXT4_EXTENTS_FL | EXT4_INLINE_DATA_FL))
		return refuse("inode uses extents or inline data, inode", ino);
	for (unsigned i = 0; i < EXT2_N_BLOCKS; i++)
		f->block[i] = ext2_le32(raw + INODE_BLOCK + 4 * i);
	return 0;
}

/* The block holding logical block `lblock` of f: *phys = 0 for a hole.
 * -1 when the map points outside the file system or cannot reach it. */
static int map_block(struct ext2_file *f, uint64_t lblock, uint32_t *phys)
{
	struct ext2_fs *fs = f->fs;
	uint64_t per = fs->block_size / 4; /* block numbers in an indirect block */
	uint32_t ptr;
	unsigned levels;
	if (lblock < EXT2_NDIR_BLOCKS) {
		ptr = f->block[lblock];
		levels = 0;
	} else if ((lblock -= EXT2_NDIR_BLOCKS) < per) {
		ptr = f->block[EXT2_IND_BLOCK];
		levels = 1;
	} else if ((lblock -= per) < per * per) {
		ptr = f->block[EXT2_DIND_BLOCK];
		levels = 2;
	} else if ((lblock -= per * per) < per * per * per) {
		ptr = f->block[EXT2_TIND_BLOCK];
		levels = 3;
	} else {
		return refuse("offset beyond what a block map addresses, inode", f->ino);
	}
	while (levels--) {
		if (!ptr)
			break; /* a hole: the whole subtree */
		if (!valid_block(fs, ptr))
			return refuse("indirect block out of range", ptr);
		const uint8_t *table = meta_block(fs, ptr);
		if (!table)
			return -1;
		uint64_t span = 1;
		for (unsigned i = 0; i < levels; i++)
			span *= per;
		ptr = ext2_le32(table + 4 * (lblock / span));
		lblock %= span;
	}
	if (ptr && !valid_block(fs, ptr))
		return refuse("data block out of range", ptr);
	*phys = ptr;
	return 0;
}

/* Logical block `lblock` of f, whole, into buf (zeros for a hole). */
static int read_file_block(struct ext2_file *f, uint64_t lblock, uint8_t *buf)
{
	uint32_t phys;
	if (map_block(f, lblock, &phys))
		return -1;
	if (!phys) {
		memset(buf, 0, f->fs->block_size);
		return 0;
	}
	return read_block(f->fs, phys, buf);
}

/* Whole blocks from lblock into buf, at most `max`: the blocks that lie
 * one after the other on the disk go in one request (a file that mke2fs
 * wrote is mostly contiguous). The count read, or 0 on an error. */
static size_t read_block_run(struct ext2_file *f, uint64_t lblock, uint8_t *buf, size_t max)
{
	struct ext2_fs *fs = f->fs;
	uint32_t first;
	if (map_block(f, lblock, &first))
		return 0;
	if (!first) {
		memset(buf, 0, fs->block_size);
		return 1;
	}
	size_t run = 1;
	while (run < max && run < EXT2_RUN_MAX) {
		uint32_t next;
		if (map_block(f, lblock + run, &next) || next != first + run)
			break;
		run++;
	}
	uint32_t per_block = fs->block_size / SECTOR;
	if (blk_read(fs->dev, fs->first_sector + (uint64_t)first * per_block, buf, run * per_block))
		return 0;
	return run;
}

long ext2_read(struct ext2_file *f, uint64_t off, void *buf, size_t len)
{
	struct ext2_fs *fs = f->fs;
	if (off >= f->size)
		return 0;
	if (len > f->size - off)
		len = (size_t)(f->size - off);
	if (len > (size_t)1 << 30)
		len = (size_t)1 << 30; /* the count must fit a long */
	uint8_t *out = buf;
	size_t done = 0;
	while (done < len) {
		uint64_t lblock = off / fs->block_size;
		size_t in_block = off % fs->block_size;
		size_t n = fs->block_size - in_block;
		if (n > len - done)
			n = len - done;
		if (n == fs->block_size) {
			size_t run =
			    read_block_run(f, lblock, out + done, (len - done) / fs->block_size);
			if (!run)
				return -1;
			n = run * fs->block_size;
		} else {
			if (read_file_block(f, lblock, fs->scratch))
				return -1;
			memcpy(out + done, fs->scratch + in_block, n);
		}
		done += n;
		off += n;
	}
	return (long)done;
}

/* Calls fn(name, name_len, inode, arg) for each used entry of directory
 * dir, each checked against its block; stops at fn's non-zero return. */
static int walk_dir(struct ext2_file *dir,
                    int (*fn)(const char *name, unsigned len, uint32_t ino, void *arg), void *arg)
{
	struct ext2_fs *fs = dir->fs;
	if ((dir->mode & EXT2_S_IFMT) != EXT2_S_IFDIR)
		return -1;
	if (dir->size % fs->block_size)
		return refuse("directory size not whole blocks, inode", dir->ino);
	uint8_t *block = fs->dir_block;
	for (uint64_t lblock = 0; lblock < dir->size / fs->block_size; lblock++) {
		if (read_file_block(dir, lblock, block))
			return -1;
		for (uint32_t pos = 0; pos < fs->block_size;) {
			const uint8_t *e = block + pos;
			uint32_t room = fs->block_size - pos;
			if (room < DIRENT_NAME)
				return refuse("directory entry cut by its block, inode", dir->ino);
			uint32_t ino = ext2_le32(e + DIRENT_INODE);
			uint32_t rec_len = ext2_le16(e + DIRENT_REC_LEN);
			unsigned name_len =
			    fs->dir_has_type ? e[DIRENT_NAME_LEN] : ext2_le16(e + DIRENT_NAME_LEN);
			if (rec_len < DIRENT_NAME || rec_len % 4 || rec_len > room ||
			    name_len > rec_len - DIRENT_NAME || name_len > EXT2_NAME_MAX)
				return refuse("bad directory entry, inode", dir->ino);
			if (ino && (!name_len || memchr(e + DIRENT_NAME, 0, name_len) ||
			            memchr(e + DIRENT_NAME, '/', name_len)))
				return refuse("bad name in a directory entry, inode", dir->ino);
			if (ino) {
				int r = fn((const char *)e + DIRENT_NAME, name_len, ino, arg);
				if (r)
					return r;
			}
			pos += rec_len;
		}
	}
	return 0;
}

struct lookup {
	const char *name;
	unsigned len;
	uint32_t ino;
};

static int match_entry(const char *name, unsigned len, uint32_t ino, void *arg)
{
	struct lookup *l = arg;
	if (len != l->len || memcmp(name, l->name, len))
		return 0;
	l->ino = ino;
	return 1;
}

int ext2_open(struct ext2_fs *fs, const char *path, struct ext2_file *f)
{
	if (!path || path[0] != '/' || read_inode(fs, EXT2_ROOT_INO, f))
		return -1;
	for (const char *p = path;;) {
		while (*p == '/')
			p++;
		if (!*p)
			return 0;
		const char *end = strchr(p, '/');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > EXT2_NAME_MAX)
			return -1;
		struct lookup l = {.name = p, .len = (unsigned)len};
		if (walk_dir(f, match_entry, &l) != 1 || read_inode(fs, l.ino, f))
			return -1;
		p += len;
	}
}

struct listing {
	struct ext2_fs *fs;
	int (*fn)(const char *name, uint64_t size, bool is_dir, void *arg);
	void *arg;
};

static int list_entry(const char *name, unsigned len, uint32_t ino, void *arg)
{
	struct listing *l = arg;
	if ((len == 1 && name[0] == '.') || (len == 2 && name[0] == '.' && name[1] == '.'))
		return 0;
	char copy[EXT2_NAME_MAX + 1];
	memcpy(copy, name, len);
	copy[len] = 0;
	struct ext2_file f;
	if (read_inode(l->fs, ino, &f))
		return -1;
	return l->fn(copy, f.size, ext2_is_dir(&f), l->arg);
}

int ext2_readdir(struct ext2_fs *fs, const char *dir,
                 int (*fn)(const char *name, uint64_t size, bool is_dir, void *arg), void *arg)
{
	struct ext2_file d;
	if (ext2_open(fs, dir, &d) || !ext2_is_dir(&d))
		return -1;
	struct listing l = {.fs = fs, .fn = fn, .arg = arg};
	return walk_dir(&d, list_entry, &l);
}
