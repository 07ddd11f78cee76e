# SPDX-License-Identifier: GPL-2.0-only
#
# bench/table.awk: the bench's table from raw.tsv lines
#   ROUND <tab> CONFIG <tab> OP <tab> NS_PER_OP <tab> BUSY% <tab> STATE
# Usage: awk -F'\t' -v cfgs="none espyd ..." -f bench/table.awk raw.tsv
#
# Each cell: the median over rounds of the run's ns/op, and the median over
# rounds of the ratio to the no-monitor run of the same round.  Pairing by
# round cancels the slow drift of a shared machine better than a ratio of
# two medians; the spread of those per-round ratios follows the table.

function median(list,   a, n, i, j, t) {
	n = split(list, a, " ")
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function minmax(list,   a, n, i, lo, hi) {
	n = split(list, a, " ")
	lo = hi = a[1]
	for (i = 2; i <= n; i++) {
		if (a[i] + 0 < lo + 0) lo = a[i]
		if (a[i] + 0 > hi + 0) hi = a[i]
	}
	return sprintf("%.2f-%.2f", lo, hi)
}
function human(ns) {
	if (ns >= 1e6) return sprintf("%.2f ms", ns / 1e6)
	if (ns >= 1e4) return sprintf("%.1f us", ns / 1e3)
	return sprintf("%.0f ns", ns)
}
{
	v[$2 "," $3] = v[$2 "," $3] " " $4
	at[$1 "," $2 "," $3] = $4
	if (!($1 in seenr)) { seenr[$1] = 1; rounds[++nr] = $1 }
	if (!($3 in seen)) { seen[$3] = 1; ops[++nops] = $3 }
	if ($5 + 0 > maxload) maxload = $5 + 0
}
END {
	nc = split(cfgs, c, " ")
	for (i = 1; i <= nops; i++)
		for (j = 1; j <= nc; j++)
			for (r = 1; r <= nr; r++) {
				b = at[rounds[r] ",none," ops[i]]
				x = at[rounds[r] "," c[j] "," ops[i]]
				if (c[j] != "none" && b > 0 && x > 0)
					ratio[c[j] "," ops[i]] = ratio[c[j] "," ops[i]] " " x / b
			}
	printf "%-12s", "op"
	for (j = 1; j <= nc; j++) printf " %20s", c[j]
	printf "\n"
	for (i = 1; i <= nops; i++) {
		printf "%-12s", ops[i]
		for (j = 1; j <= nc; j++) {
			k = c[j] "," ops[i]
			if (!(k in v))
				printf " %20s", "n/a"
			else if (k in ratio)
				printf " %12s %6.2fx", human(median(v[k])), median(ratio[k])
			else
				printf " %20s", human(median(v[k]))
		}
		printf "\n"
	}
	printf "\nper-round ratios to none, lowest-highest:\n"
	for (i = 1; i <= nops; i++) {
		printf "%-12s %20s", ops[i], ""
		for (j = 2; j <= nc; j++) {
			k = c[j] "," ops[i]
			printf " %20s", (k in ratio) ? minmax(ratio[k]) : "n/a"
		}
		printf "\n"
	}
	printf "CPUs busy (other work) just before a run: at most %d%%\n", maxload
}
