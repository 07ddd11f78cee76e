# SPDX-License-Identifier: GPL-2.0-only
# bench/: the per-operation workload (bench/ops.c) and `make bench`.
# The bench is not part of `make check`: it needs root, installs the peers
# (auditd, bpftrace) and takes a few minutes.

$(O)/bench/ops: bench/ops.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $<

bench: $(O)/bench/ops

# a synthetic recording for the replay benchmark (bench/replay.sh)
$(O)/bench/genrec: bench/genrec.c $(LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

bench: $(O)/bench/genrec
