/* SPDX-License-Identifier: GPL-2.0-only */
/* Floating-point expectations for the kselftest harness (which prints
 * integers only): the values are printed exactly when the check fails. */
#ifndef ESPY_TEST_NEAR_H
#define ESPY_TEST_NEAR_H

#include <math.h>

#define EXPECT_NEAR(_exp, _seen, _eps) do { \
	double __e = (_exp), __s = (_seen); \
	if (!(fabs(__e - __s) <= (_eps))) { \
		TH_LOG("Expected %s (%.9g) near %s (%.9g) within %g", \
		       #_exp, __e, #_seen, __s, (double)(_eps)); \
		_metadata->passed = 0; \
	} \
} while (0)

#endif /* ESPY_TEST_NEAR_H */
