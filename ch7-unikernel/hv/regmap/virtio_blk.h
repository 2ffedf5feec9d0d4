/* virtio-blk (virtio 1.2, §5.2): feature bits, the configuration space and
 * the request header. A request is a chain: the header (device-readable),
 * the data (readable for a write, writable for a read), and one status
 * byte (writable). Sectors are 512 bytes whatever blk_size says. */
#ifndef REGMAP_VIRTIO_BLK_H
#define REGMAP_VIRTIO_BLK_H

#ifndef __ASSEMBLY__
#include <stdint.h>

#define VIRTIO_BLK_F_SIZE_MAX     1 /* config size_max: the largest segment */
#define VIRTIO_BLK_F_SEG_MAX      2 /* config seg_max: most data segments a request */
#define VIRTIO_BLK_F_GEOMETRY     4
#define VIRTIO_BLK_F_RO           5 /* the device is read-only */
#define VIRTIO_BLK_F_BLK_SIZE     6
#define VIRTIO_BLK_F_FLUSH        9 /* VIRTIO_BLK_T_FLUSH exists */
#define VIRTIO_BLK_F_TOPOLOGY     10
#define VIRTIO_BLK_F_CONFIG_WCE   11
#define VIRTIO_BLK_F_MQ           12
#define VIRTIO_BLK_F_DISCARD      13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

#define VIRTIO_BLK_SECTOR_SIZE 512

/* The configuration space, as far as hvlab uses it (offsets from
 * VIRTIO_MMIO_CONFIG). */
#define VIRTIO_BLK_CFG_CAPACITY 0x00 /* u64, in 512-byte sectors */
#define VIRTIO_BLK_CFG_SIZE_MAX 0x08 /* u32 */
#define VIRTIO_BLK_CFG_SEG_MAX  0x0c /* u32 */
#define VIRTIO_BLK_CFG_BLK_SIZE 0x14 /* u32 */
#define VIRTIO_BLK_CFG_SIZE     0x18 /* hvlab's devices have no config beyond blk_size */

#define VIRTIO_BLK_T_IN     0 /* read */
#define VIRTIO_BLK_T_OUT    1 /* write */
#define VIRTIO_BLK_T_FLUSH  4
#define VIRTIO_BLK_T_GET_ID 8 /* 20 bytes of serial number */

#define VIRTIO_BLK_S_OK     0
#define VIRTIO_BLK_S_IOERR  1
#define VIRTIO_BLK_S_UNSUPP 2

#define VIRTIO_BLK_ID_BYTES 20

struct virtio_blk_req_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
#endif

#endif
