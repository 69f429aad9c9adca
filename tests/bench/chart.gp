# Chart of scripts/bench.sh: gnuplot -e "dir='OUT'; ttl='TITLE'" chart.gp
# reads OUT/main.dat ("label" iops_qd1 iops_qd32 p99_qd1 p99_qd32, NaN for
# n/a), OUT/deep.dat (per series a block: "label", then QD IOPS lines) and
# OUT/scaling.dat ("label" iops), writes OUT/chart.png.
set terminal pngcairo size 1500,1000 font ",10" noenhanced
set output dir."/chart.png"
set multiplot layout 2,2 title ttl
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set xtics rotate by -30 left
set bmargin 6
set key horizontal right at graph 1, graph 1.07
set title offset 0,1.2
set tmargin 5
set datafile missing "NaN"
set yrange [0:*]
# has(FILE): the file has data (a series selection may leave one empty)
has(f) = system("test -s '".dir."/".f."' && echo 1 || echo 0") + 0
# empty(WHAT): an empty panel that says so
empty(what) = sprintf('set label 1 "%s not measured" at graph 0.5, graph 0.5 center; set yrange [0:1]; plot [1:2] -1 notitle; unset label 1; set yrange [0:*]', what)

set title "IOPS (median)"
if (has("main.dat")) {
	plot dir."/main.dat" using 2:xtic(1) title "QD1", '' using 3 title "QD32"
} else { eval empty("QD1/QD32") }

set title "p99 latency, us (lower is better)"
if (has("main.dat")) {
	set logscale y
	set yrange [*:*]
	plot dir."/main.dat" using 4:xtic(1) title "QD1", '' using 5 title "QD32"
} else { eval empty("QD1/QD32") }

# IOPS over the queue depth, QD32 and deeper, one line per series
unset logscale y
set yrange [0:*]
set title "deep queues: IOPS (median) over the queue depth"
set style data linespoints
set logscale x 2
set xtics norotate
set xlabel "queue depth"
set key vertical left top inside
n = has("deep.dat")
if (n) { stats dir."/deep.dat" nooutput; n = STATS_blocks }
if (n > 0) {
	plot for [i=0:n-1] dir."/deep.dat" index i using 1:2 title columnheader(1) lw 2 pt 7
} else { eval empty("depth above 32") }
unset logscale x
unset xlabel
set xtics rotate by -30 left
set style data histograms

set title "scaling at QD32 per thread: IOPS"
if (has("scaling.dat")) {
	plot dir."/scaling.dat" using 2:xtic(1) notitle lc rgb "#4a7"
} else { eval empty("scaling") }
unset multiplot
