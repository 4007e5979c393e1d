/* The metric table and the verdict names of the data model. */
#include "report_model.h"
#include "banned.h"

const struct soak_report_metric_info soak_report_metrics[SOAK_M_N] = {
    [SOAK_M_DURATION] = {"duration_ms", "duration_ms", SOAK_K_MS, 1, 0},
    [SOAK_M_RSS] = {"rss", "peak_rss_bytes", SOAK_K_BYTES, 1, 0},
    [SOAK_M_FDS] = {"fds", "open_fds", SOAK_K_COUNT, 1, 0},
    [SOAK_M_THREADS] = {"threads", "threads", SOAK_K_COUNT, 1, 0},
    [SOAK_M_PROCS] = {"procs", "procs", SOAK_K_COUNT, 0, 0},
    [SOAK_M_CPU_USER] = {"cpu_user_s", "cpu_user_s", SOAK_K_SECONDS, 0, 0},
    [SOAK_M_CPU_SYS] = {"cpu_sys_s", "cpu_sys_s", SOAK_K_SECONDS, 0, 0},
    [SOAK_M_DISK] = {"disk", "free_disk_bytes", SOAK_K_BYTES, 1, 0},
    [SOAK_M_MEM_AVAIL] = {"mem_avail", "mem_avail_bytes", SOAK_K_BYTES, 1, 0},
    [SOAK_M_LOG_BYTES] = {"log_bytes", "log_bytes", SOAK_K_BYTES, 0, 0},
    [SOAK_M_SVC_RSS] = {"service.rss", "rss_bytes", SOAK_K_BYTES, 1, 1},
    [SOAK_M_SVC_FDS] = {"service.fds", "open_fds", SOAK_K_COUNT, 1, 1},
    [SOAK_M_SVC_THREADS] = {"service.threads", "threads", SOAK_K_COUNT, 1, 1},
};

const char *soak_verdict_name(enum soak_verdict v)
{
	return v == SOAK_VERDICT_PASS ? "PASS" : v == SOAK_VERDICT_WARN ? "WARN" : "FAIL";
}
