/*
 * acme-load.c - an ACME (RFC 8555) load generator: options, set-up (key
 * pool, http-01 responder, directory, driver threads), the measured window,
 * sampling of the server process from /proc, and the report.
 *
 * Usage: acme-load --directory URL --ca-bundle PEM [options]; see usage().
 *
 * The report is one "name: value" a line, so that scripts can pick figures
 * (bench/run does). Exit status: 0 after a complete window, 1 on bad usage or
 * failed set-up, 3 when no issuance completed for --stall seconds while
 * orders were in flight, or a request was still outstanding after half of
 * --stall at the end (the server hung): the report then says "hang: yes".
 */
#include <errno.h>
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "load.h"
#include "mem.h"
#include "x509/key.h"

#define MAIN_TICK_MS 50

struct proc_sample {
	bool ok;
	double cpu_s;       /* utime + stime */
	long rss_kib;       /* VmRSS */
	long hwm_kib;       /* VmHWM: the process's peak RSS so far */
};

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: acme-load --directory URL --ca-bundle PEM [options]\n"
	    "  --concurrency N     simulated subscribers, each with its own account (8)\n"
	    "  --threads N         driver threads, each a curl multi handle (1)\n"
	    "  --names K           identifiers per order (1)\n"
	    "  --suffix DOMAIN     names are RANDOM.DOMAIN (load.example.test)\n"
	    "  --http01-port PORT  our http-01 responder listens on 127.0.0.1:PORT (5002)\n"
	    "  --duration S        measured seconds (10)\n"
	    "  --warmup S          issuance before the measured window (2)\n"
	    "  --stall S           no issuance for S seconds = the server hung (10)\n"
	    "  --poll-ms MS        poll interval for authorizations and orders (10)\n"
	    "  --honor-retry-after wait max(poll interval, Retry-After) between polls\n"
	    "  --rate R            start at most R orders a second in all (0: as fast as they finish)\n"
	    "  --key-pool N        pre-generated P-256 certificate keys, reused round robin (256)\n"
	    "  --server-pid PID    sample the server's CPU time and RSS from /proc/PID\n"
	    "  --timeout-ms MS     limit of one HTTP request (30000)\n"
	    "  --label TEXT        printed as 'label: TEXT'\n"
	    "  -v                  print every error response\n");
}

static bool parse_num(const char *s, double lo, double hi, double *out)
{
	char *end = NULL;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static struct proc_sample proc_sample(long pid)
{
	struct proc_sample p = {0};
	char path[64], buf[4096], *q;
	unsigned long ut = 0, st = 0;
	FILE *f;
	size_t n;
	int i;

	if (pid <= 0)
		return p;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return p;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* fields after the ")" that ends comm: state is field 3, utime 14, stime 15 */
	q = strrchr(buf, ')');
	if (q == NULL)
		return p;
	q += 2;
	for (i = 3; i < 14 && q; i++) {
		q = strchr(q, ' ');
		if (q)
			q++;
	}
	if (q == NULL || sscanf(q, "%lu %lu", &ut, &st) != 2)
		return p;
	p.cpu_s = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return p;
	while (fgets(buf, sizeof(buf), f)) {
		if (strncmp(buf, "VmRSS:", 6) == 0)
			p.rss_kib = strtol(buf + 6, NULL, 10);
		else if (strncmp(buf, "VmHWM:", 6) == 0)
			p.hwm_kib = strtol(buf + 6, NULL, 10);
	}
	fclose(f);
	p.ok = true;
	return p;
}

static double self_cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static int parse_args(int argc, char **argv, struct bl_opts *o, const char **label)
{
	static const struct option longopts[] = {
		{"directory", required_argument, NULL, 'd'},
		{"ca-bundle", required_argument, NULL, 'c'},
		{"concurrency", required_argument, NULL, 'n'},
		{"threads", required_argument, NULL, 't'},
		{"names", required_argument, NULL, 'k'},
		{"suffix", required_argument, NULL, 's'},
		{"http01-port", required_argument, NULL, 'p'},
		{"duration", required_argument, NULL, 'D'},
		{"warmup", required_argument, NULL, 'W'},
		{"stall", required_argument, NULL, 'S'},
		{"poll-ms", required_argument, NULL, 'P'},
		{"honor-retry-after", no_argument, NULL, 'R'},
		{"rate", required_argument, NULL, 'r'},
		{"key-pool", required_argument, NULL, 'K'},
		{"server-pid", required_argument, NULL, 'i'},
		{"timeout-ms", required_argument, NULL, 'T'},
		{"label", required_argument, NULL, 'L'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	double v = 0;
	int ch;

	while ((ch = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		bool ok = true;

		switch (ch) {
		case 'd': o->directory = optarg; break;
		case 'c': o->ca_bundle = optarg; break;
		case 's': o->suffix = optarg; break;
		case 'L': *label = optarg; break;
		case 'R': o->honor_retry_after = true; break;
		case 'v': o->verbose++; break;
		case 'h': usage(stdout); exit(0);
		case 'n': ok = parse_num(optarg, 1, 100000, &v); o->concurrency = (int)v; break;
		case 't': ok = parse_num(optarg, 1, BL_MAX_THREADS, &v); o->threads = (int)v; break;
		case 'k': ok = parse_num(optarg, 1, BL_MAX_NAMES, &v); o->names = (int)v; break;
		case 'p': ok = parse_num(optarg, 1, 65535, &v); o->http01_port = (int)v; break;
		case 'D': ok = parse_num(optarg, 0.1, 1e6, &o->duration_s); break;
		case 'W': ok = parse_num(optarg, 0, 1e6, &o->warmup_s); break;
		case 'S': ok = parse_num(optarg, 0.5, 1e6, &o->stall_s); break;
		case 'r': ok = parse_num(optarg, 0, 1e6, &o->rate); break;
		case 'P': ok = parse_num(optarg, 0, 60000, &v); o->poll_ms = (int)v; break;
		case 'K': ok = parse_num(optarg, 1, 1e6, &v); o->key_pool = (int)v; break;
		case 'i': ok = parse_num(optarg, 1, 1e9, &v); o->server_pid = (long)v; break;
		case 'T': ok = parse_num(optarg, 100, 1e7, &v); o->req_timeout_ms = (int)v; break;
		default: usage(stderr); return CN_ERR_USAGE;
		}
		if (!ok) {
			fprintf(stderr, "acme-load: bad value '%s'\n", optarg);
			return CN_ERR_USAGE;
		}
	}
	if (optind != argc || o->directory == NULL || o->ca_bundle == NULL) {
		usage(stderr);
		return CN_ERR_USAGE;
	}
	if (o->threads > o->concurrency)
		o->threads = o->concurrency;
	return 0;
}

static void print_report(struct bl_driver *drv, int n_drv, const struct bl_opts *o,
    const char *label, double window_s, bool hang, const struct proc_sample *s0,
    const struct proc_sample *s1, long rss_max, double gen_cpu_s, uint64_t served,
    uint64_t refused, double oldest_ms)
{
	struct bl_samples lat[BL_STEP_MAX];
	struct bl_errors errs;
	uint64_t issued = 0, requests = 0, nonce_retries = 0, polls = 0, connects = 0;
	size_t i;
	int d, k;

	memset(lat, 0, sizeof(lat));
	memset(&errs, 0, sizeof(errs));
	for (d = 0; d < n_drv; d++) {
		for (k = 0; k < BL_STEP_MAX; k++)
			bl_samples_merge(&lat[k], &drv[d].lat[k]);
		bl_errors_merge(&errs, &drv[d].errors);
		issued += drv[d].issued;
		requests += drv[d].requests;
		connects += drv[d].connects;
		nonce_retries += drv[d].bad_nonce_retries;
		polls += drv[d].polls;
	}
	if (label)
		printf("label: %s\n", label);
	printf("directory: %s\n", o->directory);
	printf("concurrency: %d\nthreads: %d\nnames_per_order: %d\npoll_ms: %d\nrate_limit: %.1f\n",
	    o->concurrency, o->threads, o->names, o->poll_ms, o->rate);
	printf("window_s: %.2f\n", window_s);
	printf("hang: %s\n", hang ? "yes" : "no");
	printf("oldest_request_at_stop_ms: %.0f\n", oldest_ms);
	printf("issuances: %llu\n", (unsigned long long)issued);
	printf("issuances_per_s: %.1f\n", window_s > 0 ? (double)issued / window_s : 0.0);
	printf("requests: %llu\n", (unsigned long long)requests);
	printf("requests_per_issuance: %.2f\n", issued ? (double)requests / (double)issued : 0.0);
	printf("polls: %llu\n", (unsigned long long)polls);
	printf("new_connections: %llu\n", (unsigned long long)connects);
	for (k = 0; k < BL_STEP_MAX; k++) {
		double p50 = bl_samples_pct(&lat[k], 0.50), p90 = bl_samples_pct(&lat[k], 0.90);
		double p99 = bl_samples_pct(&lat[k], 0.99), mx = bl_samples_pct(&lat[k], 1.0);

		printf("latency_ms.%s: n=%zu p50=%.2f p90=%.2f p99=%.2f max=%.2f\n",
		    bl_step_name((enum bl_step)k), lat[k].n, p50, p90, p99, mx);
		if (k == BL_FINALIZE)
			printf("p99_finalize_ms: %.2f\n", p99);
		if (k == BL_ISSUANCE)
			printf("p99_issuance_ms: %.2f\n", p99);
	}
	printf("errors: %llu\n", (unsigned long long)errs.total);
	printf("bad_nonce_retries: %llu\n", (unsigned long long)nonce_retries);
	for (i = 0; i < errs.n; i++)
		printf("error.%s: %llu\n", errs.name[i], (unsigned long long)errs.count[i]);
	printf("responder_served: %llu\nresponder_refused: %llu\n", (unsigned long long)served,
	    (unsigned long long)refused);
	printf("generator_cpu_s: %.3f\n", gen_cpu_s);
	printf("generator_cpu_ms_per_issuance: %.3f\n", issued ? gen_cpu_s * 1e3 / (double)issued : 0.0);
	if (s0->ok && s1->ok) {
		double cpu = s1->cpu_s - s0->cpu_s;

		printf("server_cpu_s: %.3f\n", cpu);
		printf("server_cpu_ms_per_issuance: %.3f\n", issued ? cpu * 1e3 / (double)issued : 0.0);
		printf("server_cpu_util: %.2f\n", window_s > 0 ? cpu / window_s : 0.0);
		printf("server_rss_max_kib: %ld\n", rss_max);
		printf("server_peak_rss_kib: %ld\n", s1->hwm_kib);
	} else if (o->server_pid) {
		printf("server_cpu_s: unavailable (no /proc/%ld)\n", o->server_pid);
	}
	for (k = 0; k < BL_STEP_MAX; k++)
		bl_samples_free(&lat[k]);
}

int main(int argc, char **argv)
{
	struct bl_opts o = {
		.suffix = "load.example.test",
		.concurrency = 8,
		.threads = 1,
		.names = 1,
		.http01_port = 5002,
		.duration_s = 10,
		.warmup_s = 2,
		.stall_s = 10,
		.poll_ms = 10,
		.key_pool = 256,
		.req_timeout_ms = 30000,
	};
	struct bl_shared sh;
	struct bl_driver *drv = NULL;
	struct proc_sample s0 = {0}, s1 = {0}, cur;
	const char *label = NULL;
	double t0, last_progress, cpu0 = 0, cpu1 = 0, window_s = 0, oldest_ms = 0;
	uint64_t last_completed = 0, completed_at_start = 0, served = 0, refused = 0;
	long rss_max = 0;
	bool hang = false, started_window = false;
	int i, n_drv = 0, rc = 1, per, extra, first;

	memset(&sh, 0, sizeof(sh));
	/* Never give heap back to the kernel: each trim is an madvise with a
	 * TLB shootdown, which cost the generator ~10% of its CPU. */
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
	mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);
	if (parse_args(argc, argv, &o, &label) != 0)
		return 1;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
		fprintf(stderr, "acme-load: curl_global_init failed\n");
		return 1;
	}
	sh.opts = &o;
	pthread_mutex_init(&sh.rate_mu, NULL);
	atomic_store(&sh.window_start_ms, 1e300);
	atomic_store(&sh.window_end_ms, 1e300);
	/* Certificate keys are made before anything is measured. */
	sh.cert_keys = cn_xcalloc((size_t)o.key_pool, sizeof(*sh.cert_keys));
	for (i = 0; i < o.key_pool; i++) {
		if (cn_key_generate(CN_KEY_P256, &sh.cert_keys[i].key) != 0 ||
		    bl_cert_key_init(&sh.cert_keys[i]) != 0) {
			fprintf(stderr, "acme-load: key generation: %s\n", cn_err_detail());
			goto out;
		}
	}
	if (bl_directory_fetch(&o, &sh.dir) != 0 ||
	    bl_responder_start(o.http01_port, &sh.responder) != 0) {
		fprintf(stderr, "acme-load: %s\n", cn_err_detail());
		goto out;
	}
	drv = cn_xcalloc((size_t)o.threads, sizeof(*drv));
	per = o.concurrency / o.threads;
	extra = o.concurrency % o.threads;
	for (i = 0, first = 0; i < o.threads; i++) {
		drv[i].sh = &sh;
		drv[i].first_sub = first;
		drv[i].n_subs = per + (i < extra);
		first += drv[i].n_subs;
		if (pthread_create(&drv[i].thread, NULL, bl_driver_main, &drv[i]) != 0) {
			fprintf(stderr, "acme-load: pthread_create failed\n");
			atomic_store(&sh.phase, BL_PHASE_STOP);
			goto join;
		}
		n_drv++;
	}
	/* Accounts first (not measured). */
	t0 = last_progress = bl_now_ms();
	while (atomic_load(&sh.accounts_ready) < (uint64_t)o.concurrency) {
		uint64_t ready = atomic_load(&sh.accounts_ready);

		if (ready != last_completed) {
			last_completed = ready;
			last_progress = bl_now_ms();
		}
		if (bl_now_ms() - last_progress > o.stall_s * 1e3) {
			/* the server stopped answering: a hang, as below */
			fprintf(stderr, "acme-load: no account created for %.0f s (%llu of %d ready)\n",
			    o.stall_s, (unsigned long long)ready, o.concurrency);
			hang = true;
			atomic_store(&sh.phase, BL_PHASE_STOP);
			rc = 3;
			goto join;
		}
		if (atomic_load(&sh.setup_failed) || bl_now_ms() - t0 > 120000) {
			fprintf(stderr, "acme-load: creating %d accounts failed (%llu ready)\n",
			    o.concurrency, (unsigned long long)ready);
			atomic_store(&sh.phase, BL_PHASE_STOP);
			goto join;
		}
		sleep_ms(MAIN_TICK_MS);
	}
	last_completed = 0;
	t0 = bl_now_ms();
	atomic_store(&sh.window_start_ms, t0 + o.warmup_s * 1e3);
	atomic_store(&sh.window_end_ms, t0 + (o.warmup_s + o.duration_s) * 1e3);
	atomic_store(&sh.phase, BL_PHASE_RUN);
	last_progress = t0;
	for (;;) {
		double now = bl_now_ms();
		uint64_t c = atomic_load(&sh.completed);

		if (c != last_completed) {
			last_completed = c;
			last_progress = now;
		}
		if (!started_window && now >= atomic_load(&sh.window_start_ms)) {
			started_window = true;
			completed_at_start = c;
			s0 = proc_sample(o.server_pid);
			cpu0 = self_cpu_s();
		}
		if (started_window) {
			cur = proc_sample(o.server_pid);
			if (cur.ok && cur.rss_kib > rss_max)
				rss_max = cur.rss_kib;
		}
		if (now >= atomic_load(&sh.window_end_ms)) {
			s1 = proc_sample(o.server_pid);
			cpu1 = self_cpu_s();
			window_s = o.duration_s;
			/* a window without one issuance is a hang too */
			hang = atomic_load(&sh.completed) == completed_at_start;
			break;
		}
		if (now - last_progress > o.stall_s * 1e3) {
			hang = true;
			s1 = proc_sample(o.server_pid);
			cpu1 = self_cpu_s();
			if (!started_window) {
				s0 = s1;
				cpu0 = cpu1;
			}
			window_s = started_window ? (now - atomic_load(&sh.window_start_ms)) / 1e3 : 0;
			break;
		}
		sleep_ms(MAIN_TICK_MS);
	}
	atomic_store(&sh.phase, BL_PHASE_STOP);
	rc = hang ? 3 : 0;
join:
	for (i = 0; i < n_drv; i++)
		pthread_join(drv[i].thread, NULL);
	for (i = 0; i < n_drv; i++)
		if (drv[i].oldest_request_ms > oldest_ms)
			oldest_ms = drv[i].oldest_request_ms;
	/* A request outstanding for half the stall time on loopback is stuck:
	 * the server hung during the window (Pebble's store deadlock). */
	if (rc == 0 && oldest_ms > o.stall_s * 1e3 / 2) {
		hang = true;
		rc = 3;
	}
	if (sh.responder)
		bl_responder_counts(sh.responder, &served, &refused);
	if (rc == 0 || rc == 3)
		print_report(drv, n_drv, &o, label, window_s, hang, &s0, &s1, rss_max, cpu1 - cpu0,
		    served, refused, oldest_ms);
out:
	for (i = 0; drv && i < n_drv; i++) {
		int k;

		for (k = 0; k < BL_STEP_MAX; k++)
			bl_samples_free(&drv[i].lat[k]);
	}
	free(drv);
	bl_responder_stop(sh.responder);
	bl_directory_cleanup(&sh.dir);
	for (i = 0; sh.cert_keys && i < o.key_pool; i++)
		bl_cert_key_cleanup(&sh.cert_keys[i]);
	free(sh.cert_keys);
	pthread_mutex_destroy(&sh.rate_mu);
	curl_global_cleanup();
	fflush(stdout);
	return rc;
}
