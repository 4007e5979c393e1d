/*
 * The soak-clean engine. With only --max-age (and the size checks) it streams:
 * each entry is decided and removed as the walk reports it, through the
 * walk's open directory, and nothing per file is kept. The other policies need
 * the whole list: one walk into an array of entries (in walk order), then the
 * policies over that array. Strings live in an arena freed with the result; a
 * hash of paths, built when compression starts, answers "is there a file at X"
 * for compression targets the same way in a dry run and a real one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clean.h"
#include "clock.h"
#include "exitcode.h"
#include "file.h"
#include "match.h"
#include "os.h"
#include "parse.h"
#include "sig.h"
#include "str.h"
#include "banned.h"

#define ARENA_BLOCK (64 * 1024)

struct ablock {
	struct ablock *next;
	size_t used, cap;
	char data[];
};

struct ent {
	const char *path;
	uint64_t size;
	int64_t mtime_ms;
	unsigned char type; /* SOAK_FS_FILE or SOAK_FS_LINK */
	unsigned char prot;
	unsigned char gone;
	unsigned char mark;
};

struct priv {
	struct ablock *arena;
	struct ent *e;
	size_t n, cap;
	size_t *hash; /* entry index + 1, 0 empty */
	size_t hcap;  /* a power of two */
	size_t hn;    /* entries in the hash */
	size_t actcap, skipcap;
	struct soak_clean_action scratch; /* the action in hand when they are not kept */
};

struct state {
	const struct soak_clean_cfg *cfg;
	const struct soak_clean_ui *ui;
	struct soak_clean_result *res;
	struct priv *p;
	struct soak_fs_root *root;
	int64_t now;
	int stop;        /* a signal arrived */
	int stream;      /* decide each entry during the walk (only --max-age) */
	int keep_stream; /* --keep rules (and --max-age) in passes, with bounded memory */
};

static const char *const protected_names[] = {"run.json", "summary.json", "health.json",
                                              "metrics.jsonl"};

/* ---- small helpers ---- */

static char *arena_strdup(struct priv *p, const char *s, size_t n)
{
	struct ablock *b = p->arena;

	if (!b || b->cap - b->used < n + 1) {
		size_t cap = n + 1 > ARENA_BLOCK ? n + 1 : ARENA_BLOCK;
		b = malloc(sizeof(*b) + cap);
		if (!b)
			return NULL;
		b->next = p->arena;
		b->used = 0;
		b->cap = cap;
		p->arena = b;
	}
	char *d = b->data + b->used;
	memcpy(d, s, n);
	d[n] = '\0';
	b->used += n + 1;
	return d;
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static int hash_insert(struct priv *p, size_t idx)
{
	if ((p->hn + 1) * 2 > p->hcap) { /* keep the load under one half */
		size_t cap = p->hcap ? p->hcap * 2 : 1024;
		while (cap < (p->n + 1) * 2)
			cap *= 2;
		size_t *h = calloc(cap, sizeof(*h));
		if (!h)
			return -1;
		for (size_t i = 0; i < p->hcap; i++) {
			if (!p->hash[i])
				continue;
			size_t k = hash_str(p->e[p->hash[i] - 1].path) & (cap - 1);
			while (h[k])
				k = (k + 1) & (cap - 1);
			h[k] = p->hash[i];
		}
		free(p->hash);
		p->hash = h;
		p->hcap = cap;
	}
	size_t k = hash_str(p->e[idx].path) & (p->hcap - 1);
	while (p->hash[k])
		k = (k + 1) & (p->hcap - 1);
	p->hash[k] = idx + 1;
	p->hn++;
	return 0;
}

/* 1: a live entry is at path; 0: only entries this run removed; -1: no entry ever. */
static int hash_state(const struct priv *p, const char *path)
{
	int seen = -1;

	if (!p->hcap)
		return -1;
	for (size_t k = hash_str(path) & (p->hcap - 1); p->hash[k]; k = (k + 1) & (p->hcap - 1)) {
		const struct ent *e = &p->e[p->hash[k] - 1];
		if (strcmp(e->path, path))
			continue;
		if (!e->gone)
			return 1;
		seen = 0;
	}
	return seen;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* ---- patterns ---- */

int soak_clean_keep_parse(const char *text, struct soak_clean_keep *out, struct soak_err *err)
{
	const char *eq = strrchr(text, '=');
	struct soak_err perr = {0};

	memset(out, 0, sizeof(*out));
	if (!eq || eq == text || !eq[1])
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "invalid value '%s' for 'keep': expected PATTERN=N, such as "
		                    "'logs/iter-*.log=100'",
		                    text);
	if (soak_parse_int(eq + 1, 0, 1000000000LL, &out->n, &perr) < 0)
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "invalid value '%s' for 'keep': N must be a whole number from 0 "
		    "to 1000000000",
		    text);
	out->pattern = soak_strndup(text, (size_t)(eq - text));
	out->text = strdup(text);
	if (!out->pattern || !out->text) {
		soak_clean_keep_free(out);
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot parse 'keep'");
	}
	return 0;
}

void soak_clean_keep_free(struct soak_clean_keep *k)
{
	free(k->pattern);
	free(k->text);
	k->pattern = k->text = NULL;
}

int soak_clean_match(const char *pattern, const char *path)
{
	char buf[4096], pfx[4096];
	size_t pl;
	int anchored = 0, dir = 0;

	if (*pattern == '/') {
		anchored = 1;
		pattern++;
	}
	pl = strlen(pattern);
	if (pl && pattern[pl - 1] == '/') {
		dir = 1;
		pl--;
	}
	if (!pl || pl >= sizeof(buf))
		return 0;
	memcpy(buf, pattern, pl);
	buf[pl] = '\0';
	if (memchr(buf, '/', pl))
		anchored = 1;
	if (!dir) {
		if (anchored)
			return soak_match(buf, path, SOAK_MATCH_PATHNAME);
		return soak_match(buf, base_name(path), 0);
	}
	/* a directory: some directory on path's way matches */
	for (const char *s = strchr(path, '/'); s; s = strchr(s + 1, '/')) {
		size_t n = (size_t)(s - path);
		const char *comp;
		if (n >= sizeof(pfx))
			return 0;
		memcpy(pfx, path, n);
		pfx[n] = '\0';
		if (anchored) {
			if (soak_match(buf, pfx, SOAK_MATCH_PATHNAME))
				return 1;
			continue;
		}
		comp = strrchr(pfx, '/');
		comp = comp ? comp + 1 : pfx;
		if (soak_match(buf, comp, 0))
			return 1;
	}
	return 0;
}

int soak_clean_protected(const char *path, char *const *extra, size_t nextra)
{
	const char *base = base_name(path);

	for (size_t i = 0; i < sizeof(protected_names) / sizeof(protected_names[0]); i++)
		if (!strcmp(base, protected_names[i]))
			return 1;
	/* "reports/": a directory named reports anywhere on the way */
	for (const char *s = path; (s = strstr(s, "reports/")); s++)
		if (s == path || s[-1] == '/')
			return 1;
	for (size_t i = 0; i < nextra; i++)
		if (soak_clean_match(extra[i], path))
			return 1;
	return 0;
}

int soak_clean_step_log(const char *path, char *step, size_t n, long long *iteration, int *attempt)
{
	const char *p, *end, *mid, *at;
	long long it = 0;
	size_t len;
	int digits = 0;

	if (strncmp(path, "logs/iter-", 10))
		return 0;
	p = path + 10;
	if (strchr(p, '/'))
		return 0;
	while (*p >= '0' && *p <= '9' && digits < 18) {
		it = it * 10 + (*p++ - '0');
		digits++;
	}
	if (!digits || (*p >= '0' && *p <= '9'))
		return 0;
	len = strlen(p);
	if (len >= 8 && !strcmp(p + len - 8, ".log.zst"))
		len -= 4;
	else if (len >= 7 && !strcmp(p + len - 7, ".log.gz"))
		len -= 3;
	if (len < 4 || strncmp(p + len - 4, ".log", 4))
		return 0;
	mid = p;
	end = p + len - 4;
	*attempt = 1;
	/* ".attemptK" at the end of the middle part */
	for (at = end; at > mid && at[-1] >= '0' && at[-1] <= '9'; at--)
		;
	if (at < end && at - mid >= 8 && !strncmp(at - 8, ".attempt", 8) && end - at <= 6) {
		int k = 0;
		for (const char *q = at; q < end; q++)
			k = k * 10 + (*q - '0');
		*attempt = k;
		end = at - 8;
	}
	if (mid == end) {
		len = 0;
	} else if (*mid == '-' && end - mid > 1) {
		mid++;
		len = (size_t)(end - mid);
	} else {
		return 0;
	}
	if (len >= n)
		return 0;
	memcpy(step, mid, len);
	step[len] = '\0';
	*iteration = it;
	return 1;
}

int soak_clean_check_root(const char *dir, int force, struct soak_err *err)
{
	static const char *const marks[] = {"run.json", "summary.json", "metrics.jsonl"};
	char *real = soak_fs_realpath(dir), *home, *rh;
	int found = 0;

	if (!real)
		return soak_err_errno(err, errno == ENOENT ? SOAK_EXIT_INPUT : SOAK_EXIT_ENV, errno,
		                      "cannot open '%s'", dir);
	if (real[soak_os_path_root_len(real)] == 0) {
		free(real);
		return soak_err_set(err, SOAK_EXIT_USAGE,
		                    "refusing to clean '%s': it is the root of a file system", dir);
	}
	home = soak_os_home();
	rh = home && *home ? soak_fs_realpath(home) : NULL;
	free(home);
	if (rh && !force) {
		size_t l = strlen(real);
		if (!strcmp(real, rh) ||
		    (!strncmp(rh, real, l) && soak_os_is_sep((unsigned char)rh[l]))) {
			soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "refusing to clean '%s': it is the home directory%s (--force to "
			    "clean it anyway)",
			    dir, strcmp(real, rh) ? " or holds it" : "");
			free(rh);
			free(real);
			return -1;
		}
	}
	free(rh);
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]) && !found; i++) {
		char *p = soak_path_join(real, marks[i]);
		struct soak_os_stat st;
		found = p && soak_os_lstat(p, &st) == 0 && st.type == SOAK_OS_FILE;
		free(p);
	}
	free(real);
	if (!found && !force)
		return soak_err_set(
		    err, SOAK_EXIT_USAGE,
		    "refusing to clean '%s': it does not look like a soak directory "
		    "(no run.json, summary.json or metrics.jsonl; --force to clean it "
		    "anyway)",
		    dir);
	return 0;
}

/* ---- the run ---- */

static int add_skip(struct state *st, const char *path, const char *why)
{
	struct soak_clean_result *res = st->res;
	struct soak_clean_skip *s;

	if (res->nskips == st->p->skipcap) {
		size_t cap = st->p->skipcap ? st->p->skipcap * 2 : 16;
		s = realloc(res->skips, cap * sizeof(*s));
		if (!s)
			return -1;
		res->skips = s;
		st->p->skipcap = cap;
	}
	s = &res->skips[res->nskips];
	s->path = strdup(path);
	s->why = strdup(why);
	if (!s->path || !s->why) {
		free(s->path);
		free(s->why);
		return -1;
	}
	res->nskips++;
	if (st->ui && st->ui->skip)
		st->ui->skip(st->ui->ctx, s);
	return 0;
}

static void count_entry(struct state *st, const struct soak_fs_entry *fe, int prot)
{
	struct soak_clean_result *res = st->res;

	res->before.files++;
	res->before.bytes += fe->size;
	res->after.files++;
	res->after.bytes += fe->size;
	if (prot) {
		res->protect.files++;
		res->protect.bytes += fe->size;
	}
}

static int check_signal(struct state *st);
static struct soak_clean_action *new_action(struct state *st);
static void end_action(struct state *st, struct soak_clean_action *a);

/*
 * The streaming run: --max-age decided as the walk reaches the entry, which is
 * removed through the walk's directory, on the walk's worker threads
 * (stream_decide); then counted and shown in walk order on this thread
 * (stream_report). Nothing per file is kept (the action's path is copied only
 * when actions are kept). A signal stops the removals and then the walk.
 */
struct sslot {
	unsigned char prot;
	unsigned char act; /* 0: kept; 1: removed (in a dry run: would be); 2: failed */
	char *error;       /* act 2: the reason, malloc'ed (NULL: out of memory) */
};

/* Remove fe (in a dry run: say it would go) and note the outcome in s. */
static void stream_remove(const struct state *st, const struct soak_fs_entry *fe, struct sslot *s)
{
	struct soak_err aerr = {0};

	s->act = 1;
	if (!st->cfg->dry_run && soak_fs_entry_remove(fe, &aerr) < 0) {
		s->act = 2;
		s->error = strdup(aerr.msg);
	}
}

static void stream_decide(void *ctx, const struct soak_fs_entry *fe, void *slot)
{
	const struct state *st = ctx;
	struct sslot *s = slot;

	if (fe->type != SOAK_FS_FILE && fe->type != SOAK_FS_LINK)
		return;
	s->prot =
	    (unsigned char)soak_clean_protected(fe->path, st->cfg->protect, st->cfg->nprotect);
	if (s->prot || st->cfg->max_age_ms < 0 || st->now - fe->mtime_ms <= st->cfg->max_age_ms ||
	    soak_sig_caught())
		return;
	stream_remove(st, fe, s);
}

/*
 * What every walk does with an entry that is not a file or a link: a skip is
 * recorded, directories and the rest are passed over. 1: fe is a file or a link
 * for the caller; 0: done with it; -1: out of memory (err set).
 */
static int file_or_link(struct state *st, const struct soak_fs_entry *fe, struct soak_err *err)
{
	if (fe->type == SOAK_FS_SKIP) {
		if (add_skip(st, fe->path, fe->skip) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot walk '%s'",
			                      st->cfg->dir);
		return 0;
	}
	return fe->type == SOAK_FS_FILE || fe->type == SOAK_FS_LINK;
}

/*
 * An entry of a streaming walk, on the caller's thread in walk order: a skip
 * is recorded; with count the entry goes into the totals; the action s holds
 * (if any) is recorded under pol and rule.
 */
static int stream_action(struct state *st, const struct soak_fs_entry *fe, struct sslot *s,
                         enum soak_clean_policy pol, const char *rule, int count,
                         struct soak_err *err)
{
	struct soak_clean_result *res = st->res;
	struct soak_clean_action *a;
	int rc;

	if ((rc = file_or_link(st, fe, err)) <= 0)
		return rc;
	if (count)
		count_entry(st, fe, s->prot);
	if (s->act) {
		if (!(a = new_action(st))) {
			free(s->error);
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		}
		a->act = SOAK_CLEAN_REMOVE;
		a->policy = pol;
		a->rule = rule;
		a->path = fe->path;
		if (!st->cfg->forget_actions &&
		    !(a->path = arena_strdup(st->p, fe->path, strlen(fe->path)))) {
			free(s->error);
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		}
		a->type = fe->type;
		a->bytes = fe->size;
		a->mtime_ms = fe->mtime_ms;
		if (s->act == 2) {
			a->error = s->error ? s->error : strdup("cannot remove: out of memory");
			res->errors++;
		} else {
			res->after.files--;
			res->after.bytes -= fe->size;
			res->removed_files++;
			res->removed_bytes += fe->size;
		}
		end_action(st, a);
	}
	if (!st->stop && check_signal(st))
		return soak_err_set(err, soak_sig_exit_code(res->interrupted), "interrupted by %s",
		                    soak_sig_name(res->interrupted));
	return 0;
}

static int stream_report(void *ctx, const struct soak_fs_entry *fe, void *slot,
                         struct soak_err *err)
{
	struct state *st = ctx;

	return stream_action(st, fe, slot, SOAK_CLEAN_MAX_AGE, st->cfg->max_age_text, 1, err);
}

/*
 * The count run: --keep rules (with --max-age or not, no other policy) in
 * passes over the tree, each a parallel walk, with memory that does not grow
 * with the number of files. The first pass removes nothing: it counts the
 * tree, shows the skips and feeds each rule a heap of its N newest matches
 * (what an earlier rule keeps is fed on to the next rule that matches it, after
 * the walk), whose oldest is the rule's threshold. Then one pass per rule
 * removes its matches older than its threshold, and a last pass applies
 * --max-age to what the rules left; so the actions come in the order of the
 * list engine (rule by rule, each in walk order). Memory: the N newest of each
 * rule (a time and a path each).
 */
struct hent {
	int64_t mtime_ms;
	char *path;
};

struct kheap {
	struct hent *v;
	size_t n, cap; /* cap == the rule's N */
	int full;      /* N matches were seen: the threshold holds */
	struct hent thr;
};

/* newest first, as cmp_newest: > 0 when a is newer than b */
static int hent_cmp(int64_t am, const char *ap, int64_t bm, const char *bp)
{
	if (am != bm)
		return am > bm ? 1 : -1;
	return strcmp(ap, bp);
}

static void heap_down(struct kheap *h, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		if (l < h->n &&
		    hent_cmp(h->v[l].mtime_ms, h->v[l].path, h->v[m].mtime_ms, h->v[m].path) < 0)
			m = l;
		if (r < h->n &&
		    hent_cmp(h->v[r].mtime_ms, h->v[r].path, h->v[m].mtime_ms, h->v[m].path) < 0)
			m = r;
		if (m == i)
			return;
		struct hent t = h->v[i];
		h->v[i] = h->v[m];
		h->v[m] = t;
		i = m;
	}
}

/* Offer an entry to the rule's heap of its N newest (a min-heap). -1: out of memory. */
static int heap_offer(struct kheap *h, int64_t mtime_ms, const char *path)
{
	char *p;

	if (!h->cap)
		return 0;
	if (h->n == h->cap) {
		if (hent_cmp(mtime_ms, path, h->v[0].mtime_ms, h->v[0].path) <= 0)
			return 0; /* older than the N newest so far */
		if (!(p = strdup(path)))
			return -1;
		free(h->v[0].path);
		h->v[0].mtime_ms = mtime_ms;
		h->v[0].path = p;
		heap_down(h, 0);
		return 0;
	}
	if (!h->v && !(h->v = malloc(h->cap * sizeof(*h->v))))
		return -1;
	if (!(p = strdup(path)))
		return -1;
	size_t i = h->n++;
	h->v[i].mtime_ms = mtime_ms;
	h->v[i].path = p;
	while (i) {
		size_t up = (i - 1) / 2;
		if (hent_cmp(h->v[i].mtime_ms, h->v[i].path, h->v[up].mtime_ms, h->v[up].path) >= 0)
			break;
		struct hent t = h->v[i];
		h->v[i] = h->v[up];
		h->v[up] = t;
		i = up;
	}
	return 0;
}

struct kslot {
	struct sslot s;
	int first; /* the first --keep rule that matches, -1: none */
};

struct kstate {
	struct state *st;
	struct kheap *h;
	int pass; /* 0: select; 1..nkeep: rule pass-1; nkeep+1: max-age */
};

/* The first rule from k on that matches path, -1 when none. */
static int keep_next(const struct soak_clean_cfg *cfg, size_t k, const char *path)
{
	for (; k < cfg->nkeep; k++)
		if (soak_clean_match(cfg->keep[k].pattern, path))
			return (int)k;
	return -1;
}

/* The rule that removes (mtime_ms, path), -1 when every rule that matches keeps it. */
static int keep_removes(const struct kstate *ks, int64_t mtime_ms, const char *path, int first)
{
	const struct soak_clean_cfg *cfg = ks->st->cfg;

	for (int k = first; k >= 0; k = keep_next(cfg, (size_t)k + 1, path)) {
		const struct kheap *h = &ks->h[k];
		if (h->full && hent_cmp(mtime_ms, path, h->thr.mtime_ms, h->thr.path) < 0)
			return k;
	}
	return -1;
}

static void keep_decide(void *ctx, const struct soak_fs_entry *fe, void *slot)
{
	const struct kstate *ks = ctx;
	const struct state *st = ks->st;
	struct kslot *ks_slot = slot;
	struct sslot *s = &ks_slot->s;
	int by;

	if (fe->type != SOAK_FS_FILE && fe->type != SOAK_FS_LINK)
		return;
	s->prot =
	    (unsigned char)soak_clean_protected(fe->path, st->cfg->protect, st->cfg->nprotect);
	ks_slot->first = s->prot ? -1 : keep_next(st->cfg, 0, fe->path);
	if (s->prot || !ks->pass || soak_sig_caught())
		return;
	by = keep_removes(ks, fe->mtime_ms, fe->path, ks_slot->first);
	if ((size_t)ks->pass <= st->cfg->nkeep) {
		if (by != ks->pass - 1)
			return;
	} else if (by >= 0 || st->now - fe->mtime_ms <= st->cfg->max_age_ms) {
		return;
	}
	stream_remove(st, fe, s);
}

static int keep_report(void *ctx, const struct soak_fs_entry *fe, void *slot, struct soak_err *err)
{
	struct kstate *ks = ctx;
	struct state *st = ks->st;
	struct kslot *s = slot;

	if (!ks->pass) { /* counts, skips and the heaps; no action yet */
		if (s && s->first >= 0 && heap_offer(&ks->h[s->first], fe->mtime_ms, fe->path) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		return stream_action(st, fe, s ? &s->s : NULL, SOAK_CLEAN_KEEP, NULL, 1, err);
	}
	if (!s) /* directories; skips were shown by the first pass */
		return 0;
	if ((size_t)ks->pass <= st->cfg->nkeep)
		return stream_action(st, fe, &s->s, SOAK_CLEAN_KEEP,
		                     st->cfg->keep[ks->pass - 1].text, 0, err);
	return stream_action(st, fe, &s->s, SOAK_CLEAN_MAX_AGE, st->cfg->max_age_text, 0, err);
}

/* After the first pass: what each rule keeps goes on to the next rule that matches it. */
static int keep_thresholds(struct kstate *ks)
{
	const struct soak_clean_cfg *cfg = ks->st->cfg;

	for (size_t k = 0; k < cfg->nkeep; k++) {
		struct kheap *h = &ks->h[k];
		for (size_t i = 0; i < h->n; i++) {
			int j = keep_next(cfg, k + 1, h->v[i].path);
			if (j >= 0 && heap_offer(&ks->h[j], h->v[i].mtime_ms, h->v[i].path) < 0)
				return -1;
		}
		/* a rule of N sees at least N matches: the oldest kept is the threshold */
		h->full = h->n == h->cap;
		if (h->full && h->n) {
			h->thr = h->v[0];
		} else if (h->full) { /* N = 0: every match goes */
			h->thr.mtime_ms = INT64_MAX;
			h->thr.path = "";
		}
	}
	return 0;
}

static int run_keep_stream(struct state *st, struct soak_err *err)
{
	const struct soak_clean_cfg *cfg = st->cfg;
	struct kstate ks = {st, calloc(cfg->nkeep, sizeof(struct kheap)), 0};
	struct soak_fs_pwalk pw = {0};
	int ret = -1;

	if (!ks.h)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'", cfg->dir);
	for (size_t k = 0; k < cfg->nkeep; k++)
		ks.h[k].cap = (size_t)cfg->keep[k].n;
	pw.threads = cfg->threads > 0 ? cfg->threads - 1 : 0;
	pw.slot_size = sizeof(struct kslot);
	pw.decide = keep_decide;
	pw.report = keep_report;
	pw.ctx = &ks;
	for (; (size_t)ks.pass <= cfg->nkeep + 1 && !st->stop; ks.pass++) {
		if ((size_t)ks.pass == cfg->nkeep + 1 && cfg->max_age_ms < 0)
			break;
		if (soak_fs_walk_parallel(st->root, &pw, err) < 0)
			goto out;
		if (!ks.pass && keep_thresholds(&ks) < 0) {
			soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'", cfg->dir);
			goto out;
		}
	}
	ret = 0;
out:
	for (size_t k = 0; k < cfg->nkeep; k++) {
		for (size_t i = 0; i < ks.h[k].n; i++)
			free(ks.h[k].v[i].path);
		free(ks.h[k].v);
	}
	free(ks.h);
	return ret;
}

static int on_entry(void *ctx, const struct soak_fs_entry *fe, struct soak_err *err)
{
	struct state *st = ctx;
	struct priv *p = st->p;
	struct ent *e;
	int rc;

	if ((rc = file_or_link(st, fe, err)) <= 0)
		return rc;
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct ent *ne = realloc(p->e, cap * sizeof(*ne));
		if (!ne)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot walk '%s'",
			                      st->cfg->dir);
		p->e = ne;
		p->cap = cap;
	}
	e = &p->e[p->n];
	memset(e, 0, sizeof(*e));
	e->path = arena_strdup(p, fe->path, strlen(fe->path));
	if (!e->path)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot walk '%s'", st->cfg->dir);
	e->size = fe->size;
	e->mtime_ms = fe->mtime_ms;
	e->type = (unsigned char)fe->type;
	e->prot =
	    (unsigned char)soak_clean_protected(fe->path, st->cfg->protect, st->cfg->nprotect);
	p->n++;
	count_entry(st, fe, e->prot);
	return 0;
}

static struct soak_clean_action *new_action(struct state *st)
{
	struct soak_clean_result *res = st->res;

	if (st->cfg->forget_actions) {
		memset(&st->p->scratch, 0, sizeof(st->p->scratch));
		return &st->p->scratch;
	}
	if (res->nactions == st->p->actcap) {
		size_t cap = st->p->actcap ? st->p->actcap * 2 : 256;
		struct soak_clean_action *a = realloc(res->actions, cap * sizeof(*a));
		if (!a)
			return NULL;
		res->actions = a;
		st->p->actcap = cap;
	}
	memset(&res->actions[res->nactions], 0, sizeof(res->actions[0]));
	return &res->actions[res->nactions];
}

/* The action a (from new_action) is done: count it and show it. */
static void end_action(struct state *st, struct soak_clean_action *a)
{
	st->res->nactions++;
	if (st->ui && st->ui->action)
		st->ui->action(st->ui->ctx, a);
	if (st->cfg->forget_actions) {
		free(a->error);
		a->error = NULL;
	}
}

static int check_signal(struct state *st)
{
	int sig = soak_sig_caught();

	if (sig) {
		st->res->interrupted = sig;
		st->stop = 1;
	}
	return st->stop;
}

/*
 * Remove the entry e by its path from the root (or pretend to) and record the
 * action. 1 when it is gone, 0 when not (failed: recorded; or a signal), -1 out
 * of memory.
 */
static int remove_one(struct state *st, const struct ent *e, enum soak_clean_policy pol,
                      const char *rule, struct soak_err *err)
{
	struct soak_clean_action *a;
	struct soak_err aerr = {0};
	int gone = 1;

	if (check_signal(st))
		return 0;
	a = new_action(st);
	if (!a)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
		                      st->cfg->dir);
	a->act = SOAK_CLEAN_REMOVE;
	a->policy = pol;
	a->rule = rule;
	a->path = e->path;
	a->type = (enum soak_fs_type)e->type;
	a->bytes = e->size;
	a->mtime_ms = e->mtime_ms;
	if (!st->cfg->dry_run && soak_fs_remove(st->root, e->path, &aerr) < 0) {
		a->error = strdup(aerr.msg);
		st->res->errors++;
		gone = 0;
	} else {
		st->res->after.files--;
		st->res->after.bytes -= e->size;
		st->res->removed_files++;
		st->res->removed_bytes += e->size;
	}
	end_action(st, a);
	return gone;
}

/* Remove entry i of the list (or pretend to) and record the action. */
static int do_remove(struct state *st, size_t i, enum soak_clean_policy pol, const char *rule,
                     struct soak_err *err)
{
	int r = remove_one(st, &st->p->e[i], pol, rule, err);

	if (r > 0)
		st->p->e[i].gone = 1;
	return r < 0 ? -1 : 0;
}

/* Remove every marked entry, in walk order, and clear the marks. */
static int remove_marked(struct state *st, enum soak_clean_policy pol, const char *rule,
                         struct soak_err *err)
{
	for (size_t i = 0; i < st->p->n && !st->stop; i++) {
		if (!st->p->e[i].mark)
			continue;
		st->p->e[i].mark = 0;
		if (do_remove(st, i, pol, rule, err) < 0)
			return -1;
	}
	for (size_t i = 0; i < st->p->n; i++)
		st->p->e[i].mark = 0;
	return 0;
}

static int candidate(const struct ent *e)
{
	return !e->gone && !e->prot;
}

static const struct ent *sort_ents;

/* newest first: mtime descending, then path descending */
static int cmp_newest(const void *a, const void *b)
{
	const struct ent *x = &sort_ents[*(const size_t *)a], *y = &sort_ents[*(const size_t *)b];

	if (x->mtime_ms != y->mtime_ms)
		return x->mtime_ms > y->mtime_ms ? -1 : 1;
	return -strcmp(x->path, y->path);
}

/* oldest first: mtime ascending, then path ascending */
static int cmp_oldest(const void *a, const void *b)
{
	return cmp_newest(b, a);
}

static int policy_keep(struct state *st, struct soak_err *err)
{
	struct priv *p = st->p;
	size_t *idx = malloc((p->n ? p->n : 1) * sizeof(*idx));

	if (!idx)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
		                      st->cfg->dir);
	for (size_t k = 0; k < st->cfg->nkeep && !st->stop; k++) {
		const struct soak_clean_keep *kr = &st->cfg->keep[k];
		size_t m = 0;
		for (size_t i = 0; i < p->n; i++)
			if (candidate(&p->e[i]) && soak_clean_match(kr->pattern, p->e[i].path))
				idx[m++] = i;
		sort_ents = p->e;
		qsort(idx, m, sizeof(*idx), cmp_newest);
		for (size_t j = (size_t)kr->n; j < m; j++)
			p->e[idx[j]].mark = 1;
		if (remove_marked(st, SOAK_CLEAN_KEEP, kr->text, err) < 0) {
			free(idx);
			return -1;
		}
	}
	free(idx);
	return 0;
}

struct steplog {
	size_t i;
	long long iteration;
	int attempt;
	const char *step;
};

static int cmp_steplog(const void *a, const void *b)
{
	const struct steplog *x = a, *y = b;
	int c = strcmp(x->step, y->step);

	if (c)
		return c;
	if (x->iteration != y->iteration)
		return x->iteration > y->iteration ? -1 : 1;
	if (x->attempt != y->attempt)
		return x->attempt > y->attempt ? -1 : 1;
	return cmp_newest(&x->i, &y->i);
}

static int policy_logs_per_step(struct state *st, const char *rule, struct soak_err *err)
{
	struct priv *p = st->p;
	struct steplog *v = malloc((p->n ? p->n : 1) * sizeof(*v));
	size_t m = 0, run = 0;
	char step[256];

	if (!v)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
		                      st->cfg->dir);
	for (size_t i = 0; i < p->n; i++) {
		struct steplog *s = &v[m];
		if (!candidate(&p->e[i]) || !soak_clean_step_log(p->e[i].path, step, sizeof(step),
		                                                 &s->iteration, &s->attempt))
			continue;
		s->i = i;
		s->step = arena_strdup(p, step, strlen(step));
		if (!s->step) {
			free(v);
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		}
		m++;
	}
	sort_ents = p->e;
	qsort(v, m, sizeof(*v), cmp_steplog);
	for (size_t j = 0; j < m; j++) {
		run = j && !strcmp(v[j].step, v[j - 1].step) ? run + 1 : 0;
		if ((long long)run >= st->cfg->max_logs_per_step)
			p->e[v[j].i].mark = 1;
	}
	free(v);
	return remove_marked(st, SOAK_CLEAN_LOGS_PER_STEP, rule, err);
}

static int older(const struct state *st, const struct ent *e, int64_t age_ms)
{
	return st->now - e->mtime_ms > age_ms;
}

static int policy_max_age(struct state *st, struct soak_err *err)
{
	for (size_t i = 0; i < st->p->n; i++)
		if (candidate(&st->p->e[i]) && older(st, &st->p->e[i], st->cfg->max_age_ms))
			st->p->e[i].mark = 1;
	return remove_marked(st, SOAK_CLEAN_MAX_AGE, st->cfg->max_age_text, err);
}

static int is_own_tmp(const char *path)
{
	const char *b = base_name(path);
	size_t l = strlen(b);

	return !strncmp(b, ".soak-clean-", 12) && l > 4 && !strcmp(b + l - 4, ".tmp");
}

/*
 * Is there something at path? Entries of the walk answer from the run's own
 * state (so a dry run, which removes nothing, agrees with a real one); what the
 * walk did not list (a directory, a skipped entry) from the disk.
 */
static int target_taken(struct state *st, const char *path)
{
	int h = hash_state(st->p, path);

	return h >= 0 ? h : soak_fs_exists(st->root, path);
}

static int policy_compress(struct state *st, struct soak_err *err)
{
	struct priv *p = st->p;
	const char *sfx = soak_compress_suffix(st->cfg->method);
	enum soak_compress_method method = st->cfg->method;
	size_t n = p->n; /* entries added here (the results) are not candidates */

	for (size_t i = p->hn; i < n; i++)
		if (hash_insert(p, i) < 0)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);

	for (size_t i = 0; i < n && !check_signal(st); i++) {
		struct ent *e = &p->e[i];
		struct soak_clean_action *a;
		struct soak_err aerr = {0};
		uint64_t nb = 0;
		char *to;
		size_t pl;
		int r;

		if (!candidate(e) || e->type != SOAK_FS_FILE || e->size < st->cfg->compress_min ||
		    !older(st, e, st->cfg->compress_after_ms) ||
		    soak_compress_is_compressed(e->path) || is_own_tmp(e->path))
			continue;
		pl = strlen(e->path);
		to = malloc(pl + strlen(sfx) + 1);
		if (!to)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		memcpy(to, e->path, pl);
		memcpy(to + pl, sfx, strlen(sfx) + 1);
		/* the same answer in a dry run: what this run removed counts as gone */
		if (target_taken(st, to)) {
			char why[512];
			snprintf(why, sizeof(why), "not compressed: '%s' exists", to);
			free(to);
			if (add_skip(st, e->path, why) < 0)
				return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM,
				                      "cannot clean '%s'", st->cfg->dir);
			continue;
		}
		/* measured first: a file that would not get smaller stays as it is */
		r = soak_fs_measure(st->root, e->path, soak_compress_fd, &method, &nb, &aerr);
		if (r >= 0 && nb >= e->size) {
			free(to);
			continue;
		}
		if (r >= 0 && !st->cfg->dry_run)
			r = soak_fs_rewrite(st->root, e->path, to, soak_compress_fd, &method, &nb,
			                    &aerr);
		a = new_action(st);
		if (!a) {
			free(to);
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		}
		a->act = SOAK_CLEAN_COMPRESS;
		a->policy = SOAK_CLEAN_COMPRESS_AFTER;
		a->rule = st->cfg->compress_after_text;
		a->path = e->path;
		a->to = arena_strdup(p, to, strlen(to));
		free(to);
		a->type = SOAK_FS_FILE;
		a->bytes = e->size;
		a->mtime_ms = e->mtime_ms;
		if (!a->to)
			return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
			                      st->cfg->dir);
		if (r < 0) {
			a->error = strdup(aerr.msg);
			st->res->errors++;
		} else {
			struct ent ne = *e;
			a->new_bytes = nb;
			st->res->compressed_files++;
			st->res->compressed_from += e->size;
			st->res->compressed_to += nb;
			st->res->after.bytes = st->res->after.bytes - e->size + nb;
			e->gone = 1;
			/* the compressed file takes the original's place (and its mtime) */
			if (p->n == p->cap) {
				size_t cap = p->cap * 2;
				struct ent *x = realloc(p->e, cap * sizeof(*x));
				if (!x)
					return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM,
					                      "cannot clean '%s'", st->cfg->dir);
				p->e = x;
				p->cap = cap;
				e = NULL;
			}
			ne.path = a->to;
			ne.size = nb;
			ne.gone = 0;
			p->e[p->n] = ne;
			if (hash_insert(p, p->n) < 0)
				return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM,
				                      "cannot clean '%s'", st->cfg->dir);
			p->n++;
		}
		end_action(st, a);
	}
	return 0;
}

static int policy_hard_limit(struct state *st, struct soak_err *err)
{
	struct priv *p = st->p;
	size_t *idx, m = 0;

	if (st->res->after.bytes <= st->cfg->hard_limit)
		return 0;
	idx = malloc((p->n ? p->n : 1) * sizeof(*idx));
	if (!idx)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'",
		                      st->cfg->dir);
	for (size_t i = 0; i < p->n; i++)
		if (candidate(&p->e[i]))
			idx[m++] = i;
	sort_ents = p->e;
	qsort(idx, m, sizeof(*idx), cmp_oldest);
	for (size_t j = 0; j < m && st->res->after.bytes > st->cfg->hard_limit && !st->stop; j++) {
		if (do_remove(st, idx[j], SOAK_CLEAN_HARD_LIMIT, st->cfg->hard_limit_text, err) <
		    0) {
			free(idx);
			return -1;
		}
	}
	free(idx);
	return 0;
}

int soak_clean_run(const struct soak_clean_cfg *cfg, const struct soak_clean_ui *ui,
                   struct soak_clean_result *res, struct soak_err *err)
{
	struct state st = {0};
	char rule[32];
	int64_t t0 = soak_mono_ms();
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->priv = calloc(1, sizeof(struct priv));
	if (!res->priv)
		return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'", cfg->dir);
	st.cfg = cfg;
	st.ui = ui;
	st.res = res;
	st.p = res->priv;
	st.now = cfg->now_ms ? cfg->now_ms : soak_wall_ms();
	st.stream = !cfg->nkeep && cfg->max_logs_per_step < 0 && cfg->compress_after_ms < 0 &&
	            !cfg->has_hard_limit;
	if (soak_clean_check_root(cfg->dir, cfg->force, err) < 0)
		return -1;
	if (soak_fs_root_open(cfg->dir, &st.root, err) < 0)
		return -1;
	st.keep_stream = cfg->nkeep && cfg->max_logs_per_step < 0 && cfg->compress_after_ms < 0 &&
	                 !cfg->has_hard_limit;
	if (st.keep_stream) {
		if (run_keep_stream(&st, err) < 0) {
			if (st.stop)
				goto done;
			goto out;
		}
		goto done;
	}
	if (st.stream) {
		struct soak_fs_pwalk pw = {0};
		pw.threads = cfg->threads > 0 ? cfg->threads - 1 : 0;
		pw.slot_size = sizeof(struct sslot);
		pw.decide = stream_decide;
		pw.report = stream_report;
		pw.ctx = &st;
		if (soak_fs_walk_parallel(st.root, &pw, err) < 0) {
			if (st.stop)
				goto done;
			goto out;
		}
	} else if (soak_fs_walk(st.root, on_entry, &st, err) < 0) {
		if (st.stop)
			goto done;
		goto out;
	}
	if (cfg->nkeep && policy_keep(&st, err) < 0)
		goto out;
	if (cfg->max_logs_per_step >= 0 && !st.stop) {
		/* the rule text outlives this function: actions point to it */
		const char *r;
		snprintf(rule, sizeof(rule), "%lld", cfg->max_logs_per_step);
		r = arena_strdup(st.p, rule, strlen(rule));
		if (!r) {
			soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot clean '%s'", cfg->dir);
			goto out;
		}
		if (policy_logs_per_step(&st, r, err) < 0)
			goto out;
	}
	if (cfg->max_age_ms >= 0 && !st.stop && policy_max_age(&st, err) < 0)
		goto out;
	if (cfg->compress_after_ms >= 0 && !st.stop && policy_compress(&st, err) < 0)
		goto out;
	if (cfg->has_hard_limit && !st.stop && policy_hard_limit(&st, err) < 0)
		goto out;
done:
	res->freed_bytes = res->before.bytes - res->after.bytes;
	res->over_hard_limit = cfg->has_hard_limit && res->after.bytes > cfg->hard_limit;
	res->over_max_total = cfg->has_max_total && res->after.bytes > cfg->max_total;
	res->over_check_size = cfg->has_check_size && res->after.bytes > cfg->check_size;
	if (st.stop) {
		soak_err_set(err, soak_sig_exit_code(res->interrupted), "interrupted by %s",
		             soak_sig_name(res->interrupted));
		goto out;
	}
	if (res->errors) {
		soak_err_set(err, SOAK_EXIT_ENV, "%zu of %zu actions failed", res->errors,
		             res->nactions);
		goto out;
	}
	ret = 0;
out:
	res->freed_bytes = res->before.bytes - res->after.bytes;
	res->elapsed_ms = soak_mono_ms() - t0;
	soak_fs_root_close(st.root);
	return ret;
}

void soak_clean_result_free(struct soak_clean_result *res)
{
	struct priv *p = res->priv;

	for (size_t i = 0; res->actions && i < res->nactions; i++)
		free(res->actions[i].error);
	free(res->actions);
	for (size_t i = 0; i < res->nskips; i++) {
		free(res->skips[i].path);
		free(res->skips[i].why);
	}
	free(res->skips);
	if (p) {
		while (p->arena) {
			struct ablock *b = p->arena;
			p->arena = b->next;
			free(b);
		}
		free(p->e);
		free(p->hash);
		free(p);
	}
	memset(res, 0, sizeof(*res));
}
