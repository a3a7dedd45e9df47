# SPDX-License-Identifier: GPL-2.0
# Sourced by run.sh: series_map: shared (one value for all CPUs, atomic adds)
# against the per-CPU default: exact counts from two threads pinned to two
# CPUs, hist buckets at their seams, stats min and max, and the map types.

# series_types: the running bpfprom's series maps by type ("TYPE:N ..."),
# the kernel's own word on them (bpftool map show)
series_types() {
	for id in $(sed -n 's/^map_id:\t*//p' /proc/$PID/fdinfo/* 2>/dev/null); do
		bpftool map show id "$id" 2>/dev/null
	done | awk '$3 == "name" && $4 == "series0" { print $2 }' | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }'
}

if start $DIR/configs/shared.yaml; then
	$WL bpfp_shr threads 2 getppid 200000 write 0 1 2 1024 1025
	scrape >"$TMP/sh.txt"
	expect "series_map: shared: two threads on two CPUs, exact, hash and array alike" \
		"$(printf 'bpfp_sh_getppid_total{comm="bpfp_shr"} 200000\nbpfp_sh_all_total 200000\nbpfp_pc_getppid_total{comm="bpfp_shr"} 200000')" \
		"$(grep -e '^bpfp_sh_getppid_total' -e '^bpfp_sh_all_total' -e '^bpfp_pc_getppid_total' "$TMP/sh.txt")"
	expect "series_map: shared: hist buckets at their seams, sum and count" \
		"$(printf '%s\n' 'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="0"} 1' \
			'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="1"} 2' \
			'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="2"} 3' \
			'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="512"} 3' \
			'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="1024"} 4' \
			'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="2048"} 5' \
			'bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="+Inf"} 5' \
			'bpfp_sh_write_bytes_sum{comm="bpfp_shr"} 2052' \
			'bpfp_sh_write_bytes_count{comm="bpfp_shr"} 5')" \
		"$(grep -e '^bpfp_sh_write_bytes_bucket{comm="bpfp_shr",le="\(0\|1\|2\|512\|1024\|2048\|+Inf\)"}' \
			-e '^bpfp_sh_write_bytes_sum' -e '^bpfp_sh_write_bytes_count' "$TMP/sh.txt")"
	expect "series_map: shared: stats min and max as the per-CPU map's" \
		"$(printf 'bpfp_sh_write_stats_sum 2052\nbpfp_sh_write_stats_count 5\nbpfp_sh_write_stats_min 0\nbpfp_sh_write_stats_max 1025')" \
		"$(grep '^bpfp_sh_write_stats' "$TMP/sh.txt")"
	expect "series_map: percpu: the same stats" \
		"$(printf 'bpfp_pc_write_stats_sum 2052\nbpfp_pc_write_stats_count 5\nbpfp_pc_write_stats_min 0\nbpfp_pc_write_stats_max 1025')" \
		"$(grep '^bpfp_pc_write_stats' "$TMP/sh.txt")"
	expect "series_map: shared: nothing dropped" "" \
		"$(grep '^bpfprom_dropped_events_total{metric="bpfp_sh_[^"]*",reason="\(map_full\|update_error\)"} [1-9]' "$TMP/sh.txt")"
	# shared: 2 labelled (hash), 2 without labels (array); per-CPU: 1
	# labelled (percpu_hash), 1 without (percpu_array)
	expect "series_map: shared: hash and array maps, per-CPU ones for the others" \
		"array:2 hash:2 percpu_array:1 percpu_hash:1 " "$(series_types)"
	# stats under contention: two threads on two CPUs write sizes 1..20000
	# and 2..20001 in rising order, so their maxima race
	$WL bpfp_shr twrite 2 20000
	scrape >"$TMP/sh2.txt"
	for sh_m in sh pc; do
		expect "series_map: $(echo $sh_m | sed 's/sh/shared/; s/pc/percpu/'): stats under contention: exact count, sum, min, max" \
			"$(printf 'bpfp_%s_write_stats_sum 400042052\nbpfp_%s_write_stats_count 40005\nbpfp_%s_write_stats_min 0\nbpfp_%s_write_stats_max 20001' $sh_m $sh_m $sh_m $sh_m)" \
			"$(grep "^bpfp_${sh_m}_write_stats" "$TMP/sh2.txt")"
	done
	# update_error is exported once it is not 0
	expect "series_map: shared: no min or max lost a race 8 times" "" \
		"$(grep 'reason="update_error"' "$TMP/sh2.txt")"
	stop "series_map: shared"
fi

# --- reload: a metric whose series_map changes is loaded anew (maps of the
# other type, counting from 0); one that keeps it keeps its counts ---------
shr_cfg() { # A_MAP: bpfp_shr_a's series_map; bpfp_shr_b is shared throughout
	cat <<EOT
metrics:
  - {name: bpfp_shr_a_total, help: h., probe: tracepoint:syscalls:sys_enter_getppid, aggregate: count,
     series_map: $1, filter: ['comm == "bpfp_shrl"']}
  - {name: bpfp_shr_b_total, help: h., probe: tracepoint:syscalls:sys_enter_getppid, aggregate: count,
     series_map: shared, labels: [comm], filter: ['comm == "bpfp_shrl"']}
EOT
}
shr_counts() { scrape | grep '^bpfp_shr_[ab]_total' | tr '\n' ' '; }
shr_cfg percpu >"$TMP/shr.yaml"
if start "$TMP/shr.yaml"; then
	$WL bpfp_shrl getppid 7
	expect "series_map reload: before, percpu and shared, each exact" \
		'bpfp_shr_a_total 7 bpfp_shr_b_total{comm="bpfp_shrl"} 7 | hash:1 percpu_array:1 ' \
		"$(shr_counts)| $(series_types)"
	for shr_step in "shared 5 5 12 array:1,hash:1" "percpu 3 3 15 hash:1,percpu_array:1"; do
		set -- $shr_step
		shr_cfg "$1" >"$TMP/shr.yaml"
		expect "series_map reload: to $1, the changed metric loaded anew, the other kept" \
			"reload: $TMP/shr.yaml: 2 metrics: 1 kept with their counts, 1 loaded anew" "$(hup)"
		$WL bpfp_shrl getppid "$2"
		expect "series_map reload: to $1, the changed metric from 0 in maps of its new type, the kept one with its counts" \
			"bpfp_shr_a_total $3 bpfp_shr_b_total{comm=\"bpfp_shrl\"} $4 | $(echo "$5" | tr , ' ') " \
			"$(shr_counts)| $(series_types)"
	done
	stop "series_map reload"
fi
