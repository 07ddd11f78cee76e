/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The arithmetic of scores, kept pure so that it can be tested on its own:
 * how new an observation is, how much a baseline that has seen a behaviour
 * damps its technique, how independent pieces of evidence combine, and
 * how a score maps to a severity.
 */
#ifndef ESPY_SCORE_H
#define ESPY_SCORE_H

#include "event.h"
#include "baseline.h"

/* Rarity below this many bits is ordinary; at ESPY_NOVELTY_HI_BITS new. */
#define ESPY_NOVELTY_LO_BITS	3.0
#define ESPY_NOVELTY_HI_BITS	12.0

/* How much a kind has learned: 0 (nothing) .. 1 (min_learned or more). */
double espy_maturity(double total, double min_learned);

/* Novelty 0..1 of an observation: its rarity scaled, times maturity. */
double espy_novelty(const struct espy_bl_obs *o, double min_learned);

/*
 * Multiplier for a technique's base weight.  count: how often (decayed)
 * the baseline saw this technique from the same program or lineage,
 * whichever is more; maturity: of the baseline as a whole.  Familiar
 * behaviour is damped down to 0.1; behaviour never seen on a mature
 * baseline is raised up to 1.25.  *familiarity gets 0..1.
 */
double espy_tech_factor(double count, double maturity, double *familiarity);

/* Independent evidence on a 0..100 scale: 100 * (1 - (1-a)(1-b)). */
static inline double espy_prob_or(double a, double b)
{
	return 100.0 - (100.0 - a) * (100.0 - b) / 100.0;
}

enum espy_severity espy_severity_of(double score);

/* Scores are reported to one decimal: stable text, no false precision. */
double espy_round1(double v);

#endif /* ESPY_SCORE_H */
