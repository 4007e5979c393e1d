# The five live gates of the gate benchmarks (sourced by bench/run-memory.sh and
# bench/run-gates.sh): one of each kind of state soak-run keeps for a gate. None fails
# on `true`, so a run with them does the same work as one without.
FIVE_GATES=(
	--gate 'duration_ms:p(95)<10s'      # @all: the percentile sketch
	--gate 'cpu_sys_s:p(99)@last<10s'   # @last: the ring of --gate-window values
	--gate 'duration_ms:slope<10m'      # a trend (10 min/h): reduced series, Theil-Sen, Mann-Kendall
	--gate 'pass_rate>=99%'             # a run-level number
	--warn-gate 'failure_streak@last<3' # a run-level number over the window
)
