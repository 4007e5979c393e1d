#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "os.h"
#include "json.h"
#include "jsonl.h"
#include "exitcode.h"
#include "file.h"
#include "parse.h"
#include "str.h"
#include "banned.h"

#define CONF_FILE_MAX (16u * 1024 * 1024)
#define QUOTE_MAX 64

static const char *const sections[] = {"run", "report", "bundle", "canary", "clean"};

const char *soak_src_name(enum soak_src src)
{
	switch (src) {
	case SOAK_SRC_DEFAULT:
		return "default";
	case SOAK_SRC_CONFIG:
		return "config";
	case SOAK_SRC_REPLAY:
		return "replay";
	case SOAK_SRC_ENV:
		return "env";
	case SOAK_SRC_FLAG:
		return "flag";
	case SOAK_SRC_NONE:
		break;
	}
	return "none";
}

static const char *type_name(enum soak_opt_type t)
{
	static const char *const names[] = {"FLAG",     "STRING", "INT",  "NUMBER",
	                                    "DURATION", "SIZE",   "VALUE"};
	return (unsigned)t < sizeof(names) / sizeof(names[0]) ? names[t] : "VALUE";
}

/* "max-failures" -> "SOAK_MAX_FAILURES" */
static void env_name(const char *name, char *buf, size_t n)
{
	size_t i = 0;

	snprintf(buf, n, "SOAK_");
	for (i = 5; *name && i + 1 < n; name++, i++)
		buf[i] = *name == '-' ? '_' : (char)toupper((unsigned char)*name);
	buf[i] = '\0';
}

/* A config key matches an option name with '_' and '-' taken as the same. */
static int key_matches(const char *key, const char *name)
{
	for (; *key && *name; key++, name++) {
		char a = *key == '_' ? '-' : *key, b = *name == '_' ? '-' : *name;
		if (a != b)
			return 0;
	}
	return *key == *name;
}

static long find_long(const struct soak_conf *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (strlen(c->opts[i].name) == len && !strncmp(c->opts[i].name, name, len))
			return (long)i;
	return -1;
}

static long find_short(const struct soak_conf *c, char ch)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].short_name && c->opts[i].short_name == ch)
			return (long)i;
	return -1;
}

static void list_clear(struct soak_setting *s)
{
	for (size_t i = 0; i < s->nlist; i++)
		free(s->list[i]);
	free(s->list);
	s->list = NULL;
	s->nlist = 0;
}

static int list_add(struct soak_setting *s, const char *item, size_t len)
{
	char **l = realloc(s->list, (s->nlist + 1) * sizeof(*l));
	if (!l)
		return -1;
	s->list = l;
	l[s->nlist] = soak_strndup(item, len);
	if (!l[s->nlist])
		return -1;
	s->nlist++;
	return 0;
}

static const char *quote(const char *s, char *buf, size_t n)
{
	if (strlen(s) < QUOTE_MAX)
		return s;
	snprintf(buf, n, "%.*s...", QUOTE_MAX - 4, s);
	return buf;
}

/*
 * "invalid value 'V' for 'NAME' (from FROM): WHY". A parse.h message reads
 * "invalid duration 'V': WHY"; only its WHY is kept, the value is already said.
 * shown is the value as the user wrote it ('24x' quoted, a JSON number bare).
 */
static int bad_value(struct soak_err *err, const struct soak_opt *o, const char *shown,
                     const char *from, const char *why)
{
	const char *cut = NULL;

	if (!strncmp(why, "invalid ", 8))
		cut = strstr(why, "': ");
	if (cut)
		why = cut + 3;
	if (o->flags & SOAK_OPT_SECRET)
		return soak_err_set(err, SOAK_EXIT_USAGE, "invalid value for '%s' (from %s): %s",
		                    o->name, from, why);
	return soak_err_set(err, SOAK_EXIT_USAGE, "invalid value %s for '%s' (from %s): %s", shown,
	                    o->name, from, why);
}

static int oom(struct soak_err *err)
{
	return soak_err_errno(err, SOAK_EXIT_ENV, ENOMEM, "cannot read the configuration");
}

/* Validate text for option i and store it (LIST: add one item), recording src. */
static int set_text(struct soak_conf *c, size_t i, const char *text, enum soak_src src,
                    const char *from, struct soak_err *err)
{
	const struct soak_opt *o = &c->opts[i];
	struct soak_setting *s = &c->v[i];
	struct soak_err perr = {0};
	long long min = o->min, max = o->max;
	char shown[QUOTE_MAX + 8], qb[QUOTE_MAX + 4];
	int r = 0, b;

	if (!min && !max) { /* no range given */
		min = LLONG_MIN;
		max = LLONG_MAX;
	}
	switch (o->type) {
	case SOAK_OPT_FLAG:
		r = soak_parse_bool(text, &b, &perr);
		if (!r)
			s->i = b;
		break;
	case SOAK_OPT_STRING:
	case SOAK_OPT_LIST:
		break;
	case SOAK_OPT_INT:
		r = soak_parse_int(text, min, max, &s->i, &perr);
		break;
	case SOAK_OPT_DOUBLE:
		r = soak_parse_double(text, min == LLONG_MIN ? -DBL_MAX : (double)min,
		                      max == LLONG_MAX ? DBL_MAX : (double)max, &s->d, &perr);
		break;
	case SOAK_OPT_DURATION:
		r = soak_parse_duration(text, &s->ms, &perr);
		break;
	case SOAK_OPT_SIZE:
		r = soak_parse_size(text, &s->bytes, &perr);
		break;
	}
	if (r < 0) {
		snprintf(shown, sizeof(shown), "'%s'", quote(text, qb, sizeof(qb)));
		return bad_value(err, o, shown, from, perr.msg);
	}
	if (o->type == SOAK_OPT_LIST) {
		if (list_add(s, text, strlen(text)) < 0)
			return oom(err);
	} else {
		char *t = strdup(o->type == SOAK_OPT_FLAG ? (s->i ? "true" : "false") : text);
		if (!t)
			return oom(err);
		free(s->text);
		s->text = t;
	}
	s->src = src;
	return 0;
}

/* Items one per line (env, LIST defaults); empty lines are skipped. */
static int set_lines(struct soak_conf *c, size_t i, const char *text, enum soak_src src,
                     struct soak_err *err)
{
	struct soak_setting *s = &c->v[i];

	list_clear(s);
	while (*text) {
		const char *nl = strchr(text, '\n');
		size_t len = nl ? (size_t)(nl - text) : strlen(text);
		size_t n = len;
		if (n && text[n - 1] == '\r')
			n--;
		if (n && list_add(s, text, n) < 0)
			return oom(err);
		text += len + (nl ? 1 : 0);
	}
	s->src = src;
	return 0;
}

static int parse_argv(struct soak_conf *c, int argc, char **argv, int stop_at_positional,
                      struct soak_err *err)
{
	char from[128];

	for (int a = 1; a < argc; a++) {
		const char *arg = argv[a];

		if (!strcmp(arg, "--")) {
			while (++a < argc)
				c->rest[c->nrest++] = argv[a];
			break;
		}
		if (arg[0] == '-' && arg[1] == '-') {
			const char *name = arg + 2, *eq = strchr(name, '=');
			size_t len = eq ? (size_t)(eq - name) : strlen(name);
			long i = find_long(c, name, len);
			const char *val;

			if (i < 0)
				return soak_err_set(err, SOAK_EXIT_USAGE, "unknown option '--%.*s'",
				                    (int)len, name);
			snprintf(from, sizeof(from), "--%s", c->opts[i].name);
			if (c->opts[i].type == SOAK_OPT_FLAG) {
				if (eq)
					return soak_err_set(err, SOAK_EXIT_USAGE,
					                    "option '%s' takes no value", from);
				val = "true";
			} else if (eq) {
				val = eq + 1;
			} else if (a + 1 < argc) {
				val = argv[++a];
			} else {
				return soak_err_set(
				    err, SOAK_EXIT_USAGE, "option '%s' needs a value (%s)", from,
				    c->opts[i].arg ? c->opts[i].arg : type_name(c->opts[i].type));
			}
			if (set_text(c, (size_t)i, val, SOAK_SRC_FLAG, from, err) < 0)
				return -1;
			continue;
		}
		if (arg[0] == '-' && arg[1]) {
			/* "-x", "-x VALUE", "-xVALUE", and flags bundled as "-vq" */
			for (const char *p = arg + 1; *p; p++) {
				long i = find_short(c, *p);
				const char *val;

				if (i < 0)
					return soak_err_set(err, SOAK_EXIT_USAGE,
					                    "unknown option '-%c'", *p);
				snprintf(from, sizeof(from), "-%c", *p);
				if (c->opts[i].type == SOAK_OPT_FLAG) {
					if (set_text(c, (size_t)i, "true", SOAK_SRC_FLAG, from,
					             err) < 0)
						return -1;
					continue;
				}
				if (p[1]) {
					val = p + 1;
				} else if (a + 1 < argc) {
					val = argv[++a];
				} else {
					return soak_err_set(err, SOAK_EXIT_USAGE,
					                    "option '%s' needs a value (%s)", from,
					                    c->opts[i].arg
					                        ? c->opts[i].arg
					                        : type_name(c->opts[i].type));
				}
				if (set_text(c, (size_t)i, val, SOAK_SRC_FLAG, from, err) < 0)
					return -1;
				break;
			}
			continue;
		}
		if (stop_at_positional) {
			while (a < argc)
				c->rest[c->nrest++] = argv[a++];
			break;
		}
		c->rest[c->nrest++] = argv[a];
	}
	return 0;
}

static int parse_env(struct soak_conf *c, struct soak_err *err)
{
	char name[128];

	for (size_t i = 0; i < c->nopts; i++) {
		const struct soak_opt *o = &c->opts[i];
		const char *val;

		if ((o->flags & SOAK_OPT_CLI_ONLY) || c->v[i].src != SOAK_SRC_NONE)
			continue;
		env_name(o->name, name, sizeof(name));
		val = soak_os_getenv(name);
		/* unset and empty are the same: an action passes "" for an input not given */
		if (!val || !*val)
			continue;
		if (o->type == SOAK_OPT_LIST) {
			if (set_lines(c, i, val, SOAK_SRC_ENV, err) < 0)
				return -1;
		} else if (set_text(c, i, val, SOAK_SRC_ENV, name, err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* A JSON value as shown in a message: strings quoted, anything else as JSON. */
static void json_shown(const cJSON *item, char *buf, size_t n)
{
	char qb[QUOTE_MAX + 4];
	char *s;

	if (cJSON_IsString(item)) {
		snprintf(buf, n, "'%s'", quote(item->valuestring, qb, sizeof(qb)));
		return;
	}
	s = cJSON_PrintUnformatted(item);
	snprintf(buf, n, "%s", s ? quote(s, qb, sizeof(qb)) : "?");
	cJSON_free(s);
}

static int apply_json(struct soak_conf *c, size_t i, const cJSON *item, const char *from,
                      struct soak_err *err)
{
	const struct soak_opt *o = &c->opts[i];
	char shown[QUOTE_MAX + 8], num[64];
	const char *why;

	switch (o->type) {
	case SOAK_OPT_FLAG:
		if (!cJSON_IsBool(item)) {
			why = "expected true or false";
			goto bad;
		}
		return set_text(c, i, cJSON_IsTrue(item) ? "true" : "false", SOAK_SRC_CONFIG, from,
		                err);
	case SOAK_OPT_STRING:
		if ((o->flags & SOAK_OPT_JSON_OBJECT) && cJSON_IsObject(item)) {
			char *text = cJSON_PrintUnformatted(item);
			int rc = text ? set_text(c, i, text, SOAK_SRC_CONFIG, from, err) : oom(err);
			cJSON_free(text);
			return rc;
		}
		if (!cJSON_IsString(item)) {
			why = (o->flags & SOAK_OPT_JSON_OBJECT)
			          ? "expected a file name or a JSON object"
			          : "expected a string";
			goto bad;
		}
		return set_text(c, i, item->valuestring, SOAK_SRC_CONFIG, from, err);
	case SOAK_OPT_INT:
	case SOAK_OPT_DOUBLE:
		if (cJSON_IsString(item))
			return set_text(c, i, item->valuestring, SOAK_SRC_CONFIG, from, err);
		if (!cJSON_IsNumber(item)) {
			why = "expected a number";
			goto bad;
		}
		if (o->type == SOAK_OPT_INT && item->valuedouble > -9e18 &&
		    item->valuedouble < 9e18 &&
		    (double)(long long)item->valuedouble == item->valuedouble) {
			snprintf(num, sizeof(num), "%lld", (long long)item->valuedouble);
		} else {
			snprintf(num, sizeof(num), "%.15g", item->valuedouble);
			if (strtod(num, NULL) != item->valuedouble)
				snprintf(num, sizeof(num), "%.17g", item->valuedouble);
		}
		return set_text(c, i, num, SOAK_SRC_CONFIG, from, err);
	case SOAK_OPT_DURATION:
	case SOAK_OPT_SIZE:
		if (cJSON_IsString(item))
			return set_text(c, i, item->valuestring, SOAK_SRC_CONFIG, from, err);
		if (cJSON_IsNumber(item) && item->valuedouble == 0)
			return set_text(c, i, "0", SOAK_SRC_CONFIG, from, err);
		why = o->type == SOAK_OPT_DURATION
		          ? "expected a string with a unit, such as \"250ms\", \"90s\", "
		            "\"20m\" or \"24h\""
		          : "expected a string such as \"500MB\" or \"10GiB\"";
		goto bad;
	case SOAK_OPT_LIST:
		list_clear(&c->v[i]);
		if (cJSON_IsString(item))
			return set_text(c, i, item->valuestring, SOAK_SRC_CONFIG, from, err);
		if (cJSON_IsArray(item)) {
			const cJSON *e;
			cJSON_ArrayForEach(e, item)
			{
				if (!cJSON_IsString(e)) {
					why = "expected a list of strings";
					goto bad;
				}
				if (set_text(c, i, e->valuestring, SOAK_SRC_CONFIG, from, err) < 0)
					return -1;
			}
			c->v[i].src = SOAK_SRC_CONFIG;
			return 0;
		}
		why = "expected a list of strings";
		goto bad;
	}
	why = "unsupported setting type";
bad:
	json_shown(item, shown, sizeof(shown));
	return bad_value(err, o, shown, from, why);
}

static int is_section(const char *key)
{
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (!strcmp(key, sections[i]))
			return 1;
	return 0;
}

static int unknown_key(const struct soak_conf *c, const char *path, const char *key,
                       const char *section, struct soak_err *err)
{
	struct soak_buf known;
	char where[96] = "";
	int n = 0;

	soak_buf_init(&known, 4096);
	for (size_t i = 0; i < c->nopts; i++) {
		if ((c->opts[i].flags & SOAK_OPT_CLI_ONLY) || !strcmp(c->opts[i].name, "config"))
			continue;
		if (soak_buf_addf(&known, "%s%s", n++ ? ", " : "", c->opts[i].name) < 0)
			break;
	}
	if (section)
		snprintf(where, sizeof(where), " in section '%s'", section);
	soak_err_set(err, SOAK_EXIT_USAGE, "config '%s': unknown setting '%s'%s (known: %s)", path,
	             key, where, n ? soak_buf_str(&known) : "none");
	soak_buf_free(&known);
	return -1;
}

/* Settings of one level (top or section) into found[]; -1 on an unknown or repeated key. */
static int collect(const struct soak_conf *c, const char *path, const cJSON *obj,
                   const char *section, const char *own, const cJSON **found, struct soak_err *err)
{
	const cJSON *item;

	cJSON_ArrayForEach(item, obj)
	{
		const char *key = item->string;
		size_t i;

		if (!section && (is_section(key) || !strcmp(key, own))) {
			if (!cJSON_IsObject(item))
				return soak_err_set(
				    err, SOAK_EXIT_USAGE,
				    "config '%s': section '%s' must be a JSON object", path, key);
			continue;
		}
		if (!section && (!strcmp(key, "schema") || !strcmp(key, "$schema")))
			continue;
		for (i = 0; i < c->nopts; i++)
			if (key_matches(key, c->opts[i].name))
				break;
		if (i == c->nopts)
			return unknown_key(c, path, key, section, err);
		if (!strcmp(c->opts[i].name, "config"))
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "config '%s': 'config' cannot be set in a config file",
			                    path);
		if (c->opts[i].flags & SOAK_OPT_CLI_ONLY)
			return soak_err_set(
			    err, SOAK_EXIT_USAGE,
			    "config '%s': '%s' can only be given on the command line "
			    "(--%s)",
			    path, key, c->opts[i].name);
		if (found[i])
			return soak_err_set(err, SOAK_EXIT_USAGE,
			                    "config '%s': setting '%s' is given twice%s%s%s", path,
			                    c->opts[i].name, section ? " in section '" : "",
			                    section ? section : "", section ? "'" : "");
		found[i] = item;
	}
	return 0;
}

static int parse_config(struct soak_conf *c, const char *path, struct soak_err *err)
{
	const cJSON **top = NULL, **sec = NULL;
	const char *own;
	struct soak_buf text;
	char from[1100];
	cJSON *root = NULL, *section;
	int ret = -1;

	own = !strncmp(c->prog, "soak-", 5) ? c->prog + 5 : c->prog;
	soak_buf_init(&text, CONF_FILE_MAX);
	if (soak_file_read(path, &text, err) < 0) {
		err->code = SOAK_EXIT_INPUT;
		goto out;
	}
	snprintf(from, sizeof(from), "config '%s'", path);
	if (soak_json_parse(soak_buf_str(&text), text.len, from, SOAK_EXIT_INPUT, &root, err) < 0)
		goto out;
	if (!cJSON_IsObject(root)) {
		soak_err_set(err, SOAK_EXIT_USAGE, "config '%s': expected a JSON object", path);
		goto out;
	}
	top = calloc(c->nopts + 1, sizeof(*top));
	sec = calloc(c->nopts + 1, sizeof(*sec));
	if (!top || !sec) {
		oom(err);
		goto out;
	}
	if (collect(c, path, root, NULL, own, top, err) < 0)
		goto out;
	section = cJSON_GetObjectItemCaseSensitive(root, own);
	if (section && collect(c, path, section, own, own, sec, err) < 0)
		goto out;
	for (size_t i = 0; i < c->nopts; i++) {
		const cJSON *item = sec[i] ? sec[i] : top[i];
		if (!item || c->v[i].src != SOAK_SRC_NONE)
			continue;
		if (apply_json(c, i, item, from, err) < 0)
			goto out;
	}
	ret = 0;
out:
	free(top);
	free(sec);
	cJSON_Delete(root);
	soak_buf_free(&text);
	return ret;
}

/*
 * One recorded item of option i. For SOAK_OPT_ENV_VALUES, a KEY takes its value
 * from the environment again; a KEY that is not set is added to missing.
 */
static int replay_item(struct soak_conf *c, size_t i, const char *text, const char *from,
                       struct soak_buf *missing, struct soak_err *err)
{
	struct soak_buf kv;
	const char *val;
	int rc;

	if (!(c->opts[i].flags & SOAK_OPT_ENV_VALUES) || strchr(text, '='))
		return set_text(c, i, text, SOAK_SRC_REPLAY, from, err);
	val = soak_os_getenv(text);
	if (!val) {
		if (soak_buf_addf(missing, "%s'%s'", missing->len ? ", " : "", text) < 0)
			return soak_err_set(err, SOAK_EXIT_USAGE, "%s: too many variables missing",
			                    from);
		return 0;
	}
	soak_buf_init(&kv, 16 * 1024 * 1024);
	if (soak_buf_addf(&kv, "%s=%s", text, val) < 0) {
		soak_buf_free(&kv);
		return soak_err_set(err, SOAK_EXIT_ENV, "out of memory");
	}
	rc = set_text(c, i, soak_buf_str(&kv), SOAK_SRC_REPLAY, from, err);
	soak_buf_free(&kv);
	return rc;
}

/* The settings of a replayed run: run.json's "config", less defaults and machine-specific ones. */
static int parse_replay(struct soak_conf *c, const char *path, struct soak_err *err)
{
	const cJSON *config;
	cJSON *root = NULL;
	char from[1100];
	struct soak_buf missing;
	int ret = -1;

	soak_buf_init(&missing, 4096);
	snprintf(from, sizeof(from), "replay '%s'", path);
	if (soak_json_load(path, CONF_FILE_MAX, &root, err) < 0 ||
	    soak_schema_check(root, path, err) < 0)
		goto out;
	config = cJSON_GetObjectItemCaseSensitive(root, "config");
	if (!cJSON_IsObject(config)) {
		soak_err_set(err, SOAK_EXIT_INPUT, "'%s' has no \"config\" object to replay", path);
		goto out;
	}
	for (size_t i = 0; i < c->nopts; i++) {
		const struct soak_opt *o = &c->opts[i];
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(config, o->name), *v, *src;

		if (!e || c->v[i].src != SOAK_SRC_NONE ||
		    (o->flags & (SOAK_OPT_CLI_ONLY | SOAK_OPT_NO_REPLAY | SOAK_OPT_SECRET)))
			continue;
		v = cJSON_GetObjectItemCaseSensitive(e, "value");
		src = cJSON_GetObjectItemCaseSensitive(e, "source");
		if (cJSON_IsString(src) && !strcmp(src->valuestring, "default"))
			continue;
		if (cJSON_IsArray(v)) {
			const cJSON *item;
			cJSON_ArrayForEach(item, v)
			{
				if (cJSON_IsString(item) &&
				    replay_item(c, i, item->valuestring, from, &missing, err) < 0)
					goto out;
			}
			c->v[i].src = SOAK_SRC_REPLAY;
		} else if (cJSON_IsString(v)) {
			if (set_text(c, i, v->valuestring, SOAK_SRC_REPLAY, from, err) < 0)
				goto out;
		}
	}
	if (missing.len) {
		soak_err_set(err, SOAK_EXIT_USAGE,
		             "%s: %s %s not set in the environment (run.json keeps the names of "
		             "the run's --env variables, not their values)",
		             from, soak_buf_str(&missing),
		             strchr(soak_buf_str(&missing), ',') ? "are" : "is");
		goto out;
	}
	ret = 0;
out:
	soak_buf_free(&missing);
	cJSON_Delete(root);
	return ret;
}

static int apply_defaults(struct soak_conf *c, struct soak_err *err)
{
	for (size_t i = 0; i < c->nopts; i++) {
		const struct soak_opt *o = &c->opts[i];

		if (c->v[i].src != SOAK_SRC_NONE || !o->def)
			continue;
		if (o->type == SOAK_OPT_LIST) {
			if (set_lines(c, i, o->def, SOAK_SRC_DEFAULT, err) < 0)
				return -1;
		} else if (set_text(c, i, o->def, SOAK_SRC_DEFAULT, "default", err) < 0) {
			return -1;
		}
	}
	return 0;
}

/* --help and --version answer even when the environment or config file is bad. */
static int asked_for_help(const struct soak_conf *c)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->opts[i].type == SOAK_OPT_FLAG && c->v[i].src == SOAK_SRC_FLAG && c->v[i].i &&
		    (!strcmp(c->opts[i].name, "help") || !strcmp(c->opts[i].name, "version")))
			return 1;
	return 0;
}

int soak_conf_parse(struct soak_conf *c, const char *prog, const struct soak_opt *opts, int argc,
                    char **argv, int stop_at_positional, struct soak_err *err)
{
	long ci;

	memset(c, 0, sizeof(*c));
	c->prog = prog ? prog : "soak";
	c->opts = opts;
	while (opts[c->nopts].name)
		c->nopts++;
	c->v = calloc(c->nopts + 1, sizeof(*c->v));
	c->rest = calloc((size_t)(argc > 0 ? argc : 0) + 1, sizeof(*c->rest));
	if (!c->v || !c->rest) {
		soak_conf_free(c);
		return oom(err);
	}
	for (size_t i = 0; i < c->nopts; i++)
		c->v[i].opt = &opts[i];
	if (parse_argv(c, argc, argv, stop_at_positional, err) < 0)
		goto fail;
	if (!asked_for_help(c)) {
		if (parse_env(c, err) < 0)
			goto fail;
		ci = find_long(c, "replay", 6);
		if (ci >= 0 && c->v[ci].src != SOAK_SRC_NONE && c->v[ci].text &&
		    parse_replay(c, c->v[ci].text, err) < 0)
			goto fail;
		ci = find_long(c, "config", 6);
		if (ci >= 0 && c->v[ci].src == SOAK_SRC_NONE) {
			const char *env = soak_os_getenv("SOAK_CONFIG");
			if (env && *env &&
			    set_text(c, (size_t)ci, env, SOAK_SRC_ENV, "SOAK_CONFIG", err) < 0)
				goto fail;
		}
		if (ci >= 0 && c->v[ci].src != SOAK_SRC_NONE && c->v[ci].text) {
			c->config_path = strdup(c->v[ci].text);
			if (!c->config_path) {
				oom(err);
				goto fail;
			}
			if (parse_config(c, c->config_path, err) < 0)
				goto fail;
		}
	}
	if (apply_defaults(c, err) < 0)
		goto fail;
	return 0;
fail:
	soak_conf_free(c);
	return -1;
}

void soak_conf_free(struct soak_conf *c)
{
	for (size_t i = 0; c->v && i < c->nopts; i++) {
		free(c->v[i].text);
		list_clear(&c->v[i]);
	}
	free(c->v);
	free(c->rest);
	free(c->config_path);
	c->v = NULL;
	c->rest = NULL;
	c->nrest = 0;
	c->config_path = NULL;
	c->nopts = 0;
}

const struct soak_setting *soak_conf_get(const struct soak_conf *c, const char *name)
{
	for (size_t i = 0; c->v && i < c->nopts; i++)
		if (!strcmp(c->opts[i].name, name))
			return &c->v[i];
	return NULL;
}

int soak_conf_is_set(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s && s->src != SOAK_SRC_NONE;
}

const char *soak_conf_str(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s ? s->text : NULL;
}

long long soak_conf_int(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s ? s->i : 0;
}

double soak_conf_double(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s ? s->d : 0;
}

int64_t soak_conf_ms(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s ? s->ms : 0;
}

uint64_t soak_conf_bytes(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s ? s->bytes : 0;
}

int soak_conf_flag(const struct soak_conf *c, const char *name)
{
	const struct soak_setting *s = soak_conf_get(c, name);
	return s ? s->i != 0 : 0;
}

/* A JSON string of the KEY of "KEY=VALUE". */
static cJSON *json_env_key(const char *kv)
{
	char *name = soak_strndup(kv, strcspn(kv, "="));
	cJSON *item = name ? cJSON_CreateString(name) : NULL;

	free(name);
	return item;
}

cJSON *soak_conf_to_json(const struct soak_conf *c)
{
	cJSON *root = cJSON_CreateObject();

	if (!root)
		return NULL;
	for (size_t i = 0; i < c->nopts; i++) {
		const struct soak_opt *o = &c->opts[i];
		const struct soak_setting *s = &c->v[i];
		cJSON *e, *val;

		if ((o->flags & SOAK_OPT_CLI_ONLY) || s->src == SOAK_SRC_NONE)
			continue;
		if (o->flags & SOAK_OPT_SECRET) {
			val = cJSON_CreateString("***");
		} else if (o->type == SOAK_OPT_LIST) {
			val = cJSON_CreateArray();
			for (size_t k = 0; val && k < s->nlist; k++) {
				/* of KEY=VALUE the KEY only: the value may be a secret */
				cJSON *item = (o->flags & SOAK_OPT_ENV_VALUES)
				                  ? json_env_key(s->list[k])
				                  : cJSON_CreateString(s->list[k]);
				if (!item || !cJSON_AddItemToArray(val, item)) {
					cJSON_Delete(item);
					cJSON_Delete(val);
					val = NULL;
				}
			}
		} else {
			val = cJSON_CreateString(s->text ? s->text : "");
		}
		e = cJSON_CreateObject();
		if (!val || !e || !cJSON_AddItemToObject(e, "value", val)) {
			cJSON_Delete(val);
			cJSON_Delete(e);
			cJSON_Delete(root);
			return NULL;
		}
		if (!cJSON_AddStringToObject(e, "source", soak_src_name(s->src)) ||
		    !cJSON_AddItemToObject(root, o->name, e)) {
			cJSON_Delete(e);
			cJSON_Delete(root);
			return NULL;
		}
	}
	return root;
}

/* the help text starts at column 29 or, for long options, up to 34 */
#define HELP_COL_MIN 27
#define HELP_COL_MAX 32

static void help_left(const struct soak_opt *o, char *buf, size_t n)
{
	const char *arg = o->type == SOAK_OPT_FLAG ? NULL : (o->arg ? o->arg : type_name(o->type));

	if (o->short_name)
		snprintf(buf, n, "  -%c, --%s%s%s", o->short_name, o->name, arg ? " " : "",
		         arg ? arg : "");
	else
		snprintf(buf, n, "      --%s%s%s", o->name, arg ? " " : "", arg ? arg : "");
}

int soak_conf_help(const struct soak_opt *opts, struct soak_buf *out)
{
	char left[256];
	size_t width = HELP_COL_MIN;

	for (const struct soak_opt *o = opts; o->name; o++) {
		help_left(o, left, sizeof(left));
		if (strlen(left) > width)
			width = strlen(left);
	}
	if (width > HELP_COL_MAX)
		width = HELP_COL_MAX;
	for (const struct soak_opt *o = opts; o->name; o++) {
		size_t len;
		int r;

		help_left(o, left, sizeof(left));
		len = strlen(left);
		r = soak_buf_addf(out, "%s%*s%s", left, (int)(len < width ? width - len : 0) + 2,
		                  "", o->help ? o->help : "");
		if (!r && o->def && *o->def && o->type != SOAK_OPT_FLAG)
			r = soak_buf_addf(out, " (default: %s)", o->def);
		if (!r)
			r = soak_buf_adds(out, "\n");
		if (r < 0)
			return -1;
	}
	return 0;
}
