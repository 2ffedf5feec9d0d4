/* ls and cat: the files of the MVM's disk. */
#include <stdio.h>
#include <stdlib.h>

#include "commands.h"
#include "disk.h"
#include "plat/plat.h"

int cmd_cat(int argc, char **argv)
{
	char err[160];
	size_t size;
	if (argc != 2) {
		printf("usage: cat FILE\n");
		return 1;
	}
	char *text = disk_load(argv[1], 64 * 1024, &size, err, sizeof(err));
	if (!text) {
		printf("cat: %s\n", err);
		return 1;
	}
	plat_console_write(text, size);
	if (size && text[size - 1] != '\n')
		plat_console_write("\n", 1);
	free(text);
	return 0;
}

int cmd_ls(int argc, char **argv)
{
	if (argc > 2) {
		printf("usage: ls [DIR]\n");
		return 1;
	}
	return disk_list(argc == 2 ? argv[1] : "/");
}
