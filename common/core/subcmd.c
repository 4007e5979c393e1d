#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "exitcode.h"
#include "msg.h"
#include "subcmd.h"
#include "banned.h"

static int has_opt(const struct soak_opt *t, const char *name)
{
	for (; t->name; t++)
		if (!strcmp(t->name, name))
			return 1;
	return 0;
}

/* Every option of every subcommand once (the first table's entry wins), for the
 * shared config section. NULL: out of memory. */
static struct soak_opt *union_opts(const struct soak_subcmds *s)
{
	size_t n = 1, k = 0;
	struct soak_opt *u;

	for (size_t i = 0; i < s->n; i++)
		for (const struct soak_opt *o = s->v[i].opts; o->name; o++)
			n++;
	u = calloc(n, sizeof(*u));
	if (!u)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		for (const struct soak_opt *o = s->v[i].opts; o->name; o++) {
			size_t j;

			for (j = 0; j < k && strcmp(u[j].name, o->name); j++)
				;
			if (j == k)
				u[k++] = *o;
		}
	return u;
}

static int help(const struct soak_subcmd *cmd)
{
	struct soak_buf h;
	int rc;

	soak_buf_init(&h, 64 * 1024);
	soak_conf_help(cmd->opts, &h);
	rc = printf("usage: %s\n\n%s\noptions:\n%s", cmd->synopsis, cmd->about, soak_buf_str(&h));
	soak_buf_free(&h);
	return rc < 0 ? SOAK_EXIT_ENV : SOAK_EXIT_OK;
}

static int version(const struct soak_subcmds *s)
{
	return printf("%s %s\n", s->prog, SOAK_VERSION) < 0 ? SOAK_EXIT_ENV : SOAK_EXIT_OK;
}

/* The subcommand's run, once its flags are its own. */
static int dispatch(const struct soak_subcmds *s, const struct soak_subcmd *cmd,
                    const struct soak_conf *c)
{
	for (size_t i = 0; i < c->nopts; i++)
		if (c->v[i].src == SOAK_SRC_FLAG && !has_opt(cmd->opts, c->v[i].opt->name))
			return soak_usage_error("'--%s' is not an option of '%s'",
			                        c->v[i].opt->name, cmd->name);
	if (soak_conf_flag(c, "help"))
		return help(cmd);
	if (soak_conf_flag(c, "version"))
		return version(s);
	if (c->nrest && !cmd->takes_args)
		return soak_usage_error("unexpected argument '%s'", c->rest[0]);
	return cmd->run(c);
}

int soak_subcmd_main(const struct soak_subcmds *s, int argc, char **argv)
{
	const struct soak_subcmd *cmd = NULL;
	struct soak_err err = {0};
	struct soak_opt *all;
	struct soak_conf c;
	int rc;

	soak_msg_init(s->prog);
	if (argc < 2)
		return soak_finish(soak_usage_error("no command given (%s)", s->names));
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))
		return soak_finish(fputs(s->usage, stdout) < 0 ? SOAK_EXIT_ENV : SOAK_EXIT_OK);
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V"))
		return soak_finish(version(s));
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(argv[1], s->v[i].name))
			cmd = &s->v[i];
	if (!cmd)
		return soak_finish(
		    soak_usage_error("unknown command '%s' (%s)", argv[1], s->names));
	if (!(all = union_opts(s))) {
		soak_error("out of memory");
		return soak_finish(SOAK_EXIT_ENV);
	}
	if (soak_conf_parse(&c, s->prog, all, argc - 1, argv + 1, 0, &err)) {
		free(all);
		return soak_finish(err.code == SOAK_EXIT_USAGE ? soak_usage_error("%s", err.msg)
		                                               : soak_report_err(&err));
	}
	rc = dispatch(s, cmd, &c);
	soak_conf_free(&c);
	free(all);
	return soak_finish(rc);
}
