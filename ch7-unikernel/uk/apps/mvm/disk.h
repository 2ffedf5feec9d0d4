/* The MVM's files: the ext2 file system on its virtio disk (made on the
 * host by mke2fs -d: app images and their JSON configs). */
#ifndef MVM_DISK_H
#define MVM_DISK_H

#include <stdbool.h>
#include <stddef.h>

/* Mounts the first virtio disk's file system; 0, or -1 with a message. */
int disk_mount(void);
bool disk_mounted(void);
/* A whole file into memory from malloc (freed with free):
 * NULL with a message in err when it is missing, bigger than max, or
 * cannot be read. */
void *disk_load(const char *path, size_t max, size_t *size, char *err, size_t err_size);
/* Prints a directory: name, size, "/" after a directory's name. */
int disk_list(const char *dir);

#endif
