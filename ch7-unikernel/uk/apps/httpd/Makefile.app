# httpd's disk: an ext2 file system made from www/ (mke2fs -d), 4 KiB
# blocks. `make -C uk A=apps/httpd disk` or the grader's own directory.
HTTPD_WWW  ?= $(APP_DIR)/www
HTTPD_DISK ?= $(OUT)/disk.img
HTTPD_DISK_SIZE ?= 8M

all: $(HTTPD_DISK)

$(HTTPD_DISK): $(shell find $(HTTPD_WWW) -type f 2>/dev/null)
	@mkdir -p $(dir $@)
	@echo "  MKE2FS  $(APP): $@ from $(HTTPD_WWW)"
	@rm -f $@
	@mke2fs -q -F -t ext2 -b 4096 -d $(HTTPD_WWW) $@ $(HTTPD_DISK_SIZE)

.PHONY: disk
disk: $(HTTPD_DISK)
