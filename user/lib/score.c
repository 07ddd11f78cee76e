/* SPDX-License-Identifier: GPL-2.0-only */
#include <math.h>

#include "score.h"

double espy_maturity(double total, double min_learned)
{
	if (min_learned <= 0)
		return 1.0;
	return total >= min_learned ? 1.0 : total / min_learned;
}

double espy_novelty(const struct espy_bl_obs *o, double min_learned)
{
	double n = (o->bits - ESPY_NOVELTY_LO_BITS) /
		   (ESPY_NOVELTY_HI_BITS - ESPY_NOVELTY_LO_BITS);

	if (n < 0)
		n = 0;
	if (n > 1)
		n = 1;
	return n * espy_maturity(o->total, min_learned);
}

double espy_tech_factor(double count, double maturity, double *familiarity)
{
	double fam = count > 0 ? count / (count + 2.0) : 0.0;
	double raise = 1.0 + 0.25 * maturity;

	if (familiarity)
		*familiarity = fam;
	return (1.0 - fam) * raise + fam * 0.1;
}

enum espy_severity espy_severity_of(double s)
{
	if (s < 1)
		return ESPY_SEV_NONE;
	if (s < 40)
		return ESPY_SEV_LOW;
	if (s < 65)
		return ESPY_SEV_MEDIUM;
	if (s < 85)
		return ESPY_SEV_HIGH;
	return ESPY_SEV_CRITICAL;
}

double espy_round1(double v)
{
	return round(v * 10.0) / 10.0;
}
