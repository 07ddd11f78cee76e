# SPDX-License-Identifier: GPL-2.0-only
#
# Fuzz tier: libFuzzer targets for every parser of untrusted input.
# The library is rebuilt with clang and the sanitizers into build/fuzz/ so
# that the fuzzers instrument the daemon's own code, not a copy of it.
#   make fuzz          build the fuzzers
#   make check-fuzz    run each for FUZZ_SECONDS (default 20) from its corpus

FUZZ_SECONDS	?= 20
FUZZ_CC		?= clang
FUZZ_FLAGS	:= -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
		   -fno-sanitize-recover=undefined
FUZZ_CFLAGS	:= -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -D_GNU_SOURCE -DESPY_VERSION='"$(VERSION)"' -DESPY_FUZZ \
		   -Iinclude -Iuser/lib -I$(O) $(FUZZ_FLAGS)
FUZZ_SRCS	:= $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS	:= $(patsubst tests/fuzz/%.c,$(O)/fuzz/%,$(FUZZ_SRCS))
FUZZ_LIB_OBJS	:= $(patsubst user/lib/%.c,$(O)/fuzz/lib/%.o,$(LIB_SRCS))

.PHONY: fuzz check-fuzz

fuzz: $(FUZZ_BINS)

$(O)/fuzz/lib/%.o: user/lib/%.c $(SKELS) $(wildcard user/lib/*.h) $(wildcard include/espy/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(O)/fuzz/libespy-fuzz.a: $(FUZZ_LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/fuzz/%: tests/fuzz/%.c $(O)/fuzz/libespy-fuzz.a
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -Itests -o $@ $< \
		$(O)/fuzz/libespy-fuzz.a $(LDLIBS)

check-fuzz: fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(PROVE) tests/fuzz/run.sh
