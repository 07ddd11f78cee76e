/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Metrics read from the detection engine's own stats at scrape time.
 */
#include <stdio.h>

#include "baseline.h"
#include "config.h"
#include "detect.h"
#include "detectors.h"
#include "metrics.h"

/* One sample per feature kind of the baseline. */
static void by_kind(struct espy_prom *p, const struct espy_baseline *bl,
		    const char *name, const char *type, const char *help,
		    const uint64_t *v)
{
	espy_prom_family(p, name, type, help);
	for (int i = 0; i < bl->nkinds && i < ESPY_BL_MAX_KINDS; i++)
		espy_prom_u64(p, name, v[i], "kind", bl->k[i].name, NULL);
}

void espy_metrics_detect(void *ctx, struct espy_prom *p)
{
	const struct espy_detect *d = ctx;
	const struct espy_baseline *bl = espy_detect_baseline(d);
	struct espy_detect_stats st;
	static const enum espy_mode modes[] = {
		ESPY_MODE_AUTO, ESPY_MODE_LEARN, ESPY_MODE_DETECT,
	};

	espy_detect_stats(d, &st);
	espy_prom_gauge(p, "espy_learning",
			"1 while detection is learning the baseline (no alerts), 0 when detecting.",
			st.learning ? 1 : 0);
	espy_prom_family(p, "espy_detection_mode", "gauge",
			 "Detection mode: 1 for the configured mode (auto, learn or detect), by mode.");
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		espy_prom_u64(p, "espy_detection_mode", st.configured == modes[i] ? 1 : 0,
			      "mode", espy_conf_mode_name(modes[i]), NULL);
	espy_prom_gauge(p, "espy_sessions_tracked",
			"Sessions (login sessions and service process trees) tracked by detection.",
			st.sessions);
	espy_prom_gauge(p, "espy_sessions_capacity",
			"Size bound of the session table.",
			st.sessions_max);
	espy_prom_family(p, "espy_sessions_evicted_total", "counter",
			 "Sessions dropped: idle ones, or pushed out of a full table.");
	espy_prom_u64(p, "espy_sessions_evicted_total", st.sessions_evicted, "reason", "idle", NULL);
	espy_prom_u64(p, "espy_sessions_evicted_total", st.sessions_pushed_out, "reason", "full", NULL);
	espy_prom_counter(p, "espy_hops_linked_total",
			  "Outbound connections matched to an inbound accept on another host (hops).",
			  st.hops_linked);
	espy_prom_counter(p, "espy_baseline_learned_total",
			  "Events that taught the baseline.",
			  st.learned);
	espy_prom_counter(p, "espy_baseline_held_back_total",
			  "Events kept out of the baseline because their session scored as suspicious.",
			  st.not_learned_suspicious);
	if (bl) {
		by_kind(p, bl, "espy_baseline_entries", "gauge",
			"Observations held exactly in the baseline, by feature kind.",
			st.baseline_entries);
		by_kind(p, bl, "espy_baseline_evictions_total", "counter",
			"Baseline entries evicted into the sketch, by feature kind.",
			st.baseline_evictions);
	}
	espy_prom_family(p, "espy_technique_hits_total", "counter",
			 "Events a technique detector fired on, by ATT&CK technique.");
	for (int i = 0; i < ESPY_T_NR; i++)
		if (espy_techs[i].t.id)
			espy_prom_u64(p, "espy_technique_hits_total", st.hits_by_tech[i],
				      "technique", espy_techs[i].t.id, NULL);
	espy_prom_gauge(p, "espy_detection_memory_bytes",
			"Memory allocated by the detection engine (baseline, sessions, processes).",
			st.memory_bytes);
}
