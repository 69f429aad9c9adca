# Latency CDFs of scripts/bench.sh: gnuplot -e "dir='OUT'; ttl='TITLE'" latency.gp
# reads OUT/cdf.qd1.dat and OUT/cdf.qd32.dat (per series a block: "label",
# then "us percent" lines, percent of I/Os completed within us) and writes
# OUT/latency.png: the CDF (percentile over latency, log us) at QD1 and
# QD32, and below each its tail (the percent of I/Os slower, log scale).
set terminal pngcairo size 1500,1000 font ",10" noenhanced
set output dir."/latency.png"
set multiplot layout 2,2 title ttl."\nlatency: submission to completion"
set grid xtics ytics mxtics
set logscale x
set xlabel "latency, us (log)"
set key right bottom
set style data lines

do for [qd in "1 32"] {
	f = dir."/cdf.qd".qd.".dat"
	n = system("test -s '".f."' && echo 1 || echo 0") + 0
	if (n) { stats f nooutput; n = STATS_blocks }
	set title "latency CDF at QD".qd
	set ylabel "percentile"
	set yrange [0:100]
	set ytics 10
	set key right bottom
	if (n) { plot for [i=0:n-1] f index i using 1:2 title columnheader(1) lw 2 } else { set yrange [0.5:1]; plot [1:10] 0 title "not measured" }
}
do for [qd in "1 32"] {
	f = dir."/cdf.qd".qd.".dat"
	n = system("test -s '".f."' && echo 1 || echo 0") + 0
	if (n) { stats f nooutput; n = STATS_blocks }
	set title "tail at QD".qd.": I/Os slower than x"
	set ylabel "percent of I/Os (log)"
	set logscale y
	set yrange [0.001:100]
	set ytics ("100%%" 100, "10%%" 10, "1%% (p99)" 1, "0.1%% (p99.9)" 0.1, "0.01%%" 0.01, "0.001%%" 0.001)
	set key right top
	if (n) { plot for [i=0:n-1] f index i using 1:(100 - $2 > 0 ? 100 - $2 : 1e-9) title columnheader(1) lw 2 } else { set yrange [0.5:1]; plot [1:10] 0 title "not measured" }
	unset logscale y
}
unset multiplot
