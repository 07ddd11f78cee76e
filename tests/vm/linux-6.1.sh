#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# vm tier: Debian's linux 6.1 under QEMU (see tests/vm/lib/run-guest.sh).
exec "$(dirname "$0")/lib/run-guest.sh" 6.1
