# SPDX-License-Identifier: GPL-2.0-only
#
# The vm tier: Debian kernels under QEMU (tests/vm/).  Everything lands in
# build/vm and is reused by later runs; remove build/vm/SERIES to fetch a
# newer kernel of that series.
#   make vm-images          guest images for every series
#   make vm-image-6.1       one series: kernel + headers fetched (apt-get
#                           download, unpacked, never installed), espy.ko
#                           built against them, static tests, initramfs
#   make vm-kmod-6.12       only the module for that series

VM_DIR		:= $(O)/vm
VM_SERIES	:= 6.1 6.12
VM_GUEST_SRCS	:= $(wildcard tests/vm/guest/*.c)
# tests/bpf/test_records.c is the guests' own records: not twice in a guest
VM_GUEST_BINS	:= $(patsubst tests/vm/guest/%.c,$(VM_DIR)/guest/%,$(VM_GUEST_SRCS)) \
		   $(patsubst tests/bpf/%.c,$(VM_DIR)/guest/bpf_%, \
			$(filter-out tests/bpf/test_records.c,$(wildcard tests/bpf/*.c)))
VM_ESPYD	:= $(VM_DIR)/bin/espyd
VM_KMOD_SRCS	:= Kbuild $(wildcard kmod/*.c kmod/*.h) $(wildcard include/espy/*.h)
# the guest tests cover the eBPF driver when this tree has it
VM_GUEST_CFLAGS	:= $(if $(wildcard user/lib/sensor_bpf.c),-DESPY_HAVE_BPF)
# debug checks the packaged kernels allow for an out-of-tree module
VM_KMOD_FLAGS	:= CONFIG_DEBUG_INFO_BTF_MODULES= W=1

.PHONY: vm-images $(addprefix vm-image-,$(VM_SERIES)) $(addprefix vm-kmod-,$(VM_SERIES))

vm-images: $(addprefix vm-image-,$(VM_SERIES))

$(addprefix vm-image-,$(VM_SERIES)): vm-image-%: $(VM_DIR)/%/initrd.gz
$(addprefix vm-kmod-,$(VM_SERIES)): vm-kmod-%: $(VM_DIR)/%/espy.ko

# The guest runs the tests statically linked: busybox has no libc to share.
$(VM_DIR)/guest/bpf_%: tests/bpf/%.c $(HARNESS) $(LIB) $(wildcard tests/*.h) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -static -o $@ $< $(LIB) $(LDLIBS)

$(VM_DIR)/guest/%: tests/vm/guest/%.c $(HARNESS) $(LIB) $(wildcard tests/*.h) \
		   $(wildcard tests/vm/guest/*.h) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(VM_GUEST_CFLAGS) -Itests -Itests/vm/guest -static -o $@ $< \
		$(LIB) $(LDLIBS)

# the host's bpf tier runs the guests' record suite too (it includes it)
$(O)/tests/bpf/test_records: tests/vm/guest/records.c $(wildcard tests/vm/guest/*.h)

# espyd itself, for the guest's --driver kmod run
$(VM_ESPYD): $(ESPYD_OBJS) $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -static -o $@ $^ $(LDLIBS)

$(VM_DIR)/%/kernel.env: tests/vm/lib/fetch-kernel.sh
	tests/vm/lib/fetch-kernel.sh $* $(VM_DIR)/$*

# Kbuild writes its objects next to the sources: build in a copy, so that
# the two kernels (and `make kmod`) do not share objects.
$(VM_DIR)/%/espy.ko: $(VM_DIR)/%/kernel.env $(VM_KMOD_SRCS)
	rm -rf $(VM_DIR)/$*/kmod-build
	mkdir -p $(VM_DIR)/$*/kmod-build
	cp -r Kbuild kmod include $(VM_DIR)/$*/kmod-build/
	. ./$(VM_DIR)/$*/kernel.env && \
		$(MAKE) -C "$$KDIR" M=$(CURDIR)/$(VM_DIR)/$*/kmod-build O= \
			$(VM_KMOD_FLAGS) modules
	cp $(VM_DIR)/$*/kmod-build/espy.ko $@

$(VM_DIR)/%/initrd.gz: $(VM_DIR)/%/espy.ko $(VM_GUEST_BINS) $(VM_ESPYD) \
		       tests/vm/guest/init tests/vm/lib/mkinitrd.sh
	tests/vm/lib/mkinitrd.sh $@ tests/vm/guest/init $(VM_DIR)/$*/espy.ko \
		$(VM_GUEST_BINS) $(VM_ESPYD)

# Pattern-built files that only feed others: keep them between runs.
.PRECIOUS: $(VM_DIR)/%/kernel.env $(VM_DIR)/%/espy.ko $(VM_DIR)/%/initrd.gz
.SECONDARY: $(VM_GUEST_BINS)
