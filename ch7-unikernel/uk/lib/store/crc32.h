/* CRC-32 (IEEE 802.3, the polynomial of zlib, Ethernet and gzip), so that
 * a host tool (Python's zlib.crc32) checks the same records. */
#ifndef STORE_CRC32_H
#define STORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* crc32(0, data, n) is the checksum of data; passing the previous result
 * as `crc` continues it over more bytes. */
uint32_t crc32(uint32_t crc, const void *data, size_t n);

#endif
