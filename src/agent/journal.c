/*
 * journal.c - the pending-cleanup journal of challenge responses (see
 * journal.h). Entries are written atomically (temp, fsync, rename) before
 * the response is published; replay builds the recorded solver, calls its
 * cleanup for each entry and deletes the journal. Failures are logged and
 * never stop an issuance.
 */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file.h"
#include "json.h"
#include "log.h"
#include "mem.h"

#define JOURNAL_MAX (256 * 1024)

static char *journal_path(const struct agent_state *st, const char *name)
{
	size_t n = strlen(st->dir) + strlen(name) + 32;
	char *p = cn_xmalloc(n);

	snprintf(p, n, "%s/archive/%s/pending.json", st->dir, name);
	return p;
}

bool agent_journal_needed(const struct agent_solver_cfg *scfg)
{
	return scfg->webroot != NULL || scfg->dns_hook != NULL || scfg->dns_update != NULL;
}

static json_t *journal_load(const char *path)
{
	char *data = NULL;
	size_t len = 0;
	json_t *j = NULL;

	if (cn_file_read(path, JOURNAL_MAX, &data, &len) == 0 && cn_json_parse(data, len, &j) == 0 &&
	    !json_is_array(j)) {
		json_decref(j);
		j = NULL;
	}
	free(data);
	return j ? j : json_array();
}

static void set_opt(json_t *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_set_new(o, k, json_string(v));
}

int agent_journal_add(const struct agent_state *st, const char *name,
    const struct agent_solver_cfg *scfg, const struct agent_chall *c)
{
	char *path = journal_path(st, name), *s;
	json_t *arr = journal_load(path), *e = json_object();
	int r;

	set_opt(e, "challenge", scfg->challenge);
	set_opt(e, "webroot", scfg->webroot);
	set_opt(e, "dns_hook", scfg->dns_hook);
	set_opt(e, "dns_update", scfg->dns_update);
	set_opt(e, "tsig_key", scfg->tsig_key);
	set_opt(e, "ident_type", c->ident_type);
	set_opt(e, "ident", c->ident);
	set_opt(e, "token", c->token);
	set_opt(e, "dns_value", c->dns_value);
	json_array_append_new(arr, e);
	s = cn_json_dump(arr);
	r = cn_file_write_atomic(path, s, strlen(s), 0600);
	free(s);
	json_decref(arr);
	free(path);
	return r;
}

void agent_journal_clear(const struct agent_state *st, const char *name)
{
	char *path = journal_path(st, name);

	if (unlink(path) != 0 && errno != ENOENT)
		CN_LOG(CN_LOG_WARN, "agent", "removing %s: %s", path, strerror(errno));
	free(path);
}

static const char *str_of(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void agent_journal_replay(const struct agent_state *st, const char *name)
{
	char *path = journal_path(st, name);
	json_t *arr, *e;
	size_t i;

	if (access(path, F_OK) != 0) {
		free(path);
		return;
	}
	arr = journal_load(path);
	json_array_foreach(arr, i, e) {
		struct agent_solver_cfg scfg;
		struct agent_solver *s = NULL;
		struct agent_chall c;

		memset(&scfg, 0, sizeof(scfg));
		memset(&c, 0, sizeof(c));
		scfg.challenge = str_of(e, "challenge");
		scfg.webroot = str_of(e, "webroot");
		scfg.dns_hook = str_of(e, "dns_hook");
		scfg.dns_update = str_of(e, "dns_update");
		scfg.tsig_key = str_of(e, "tsig_key");
		if (!agent_journal_needed(&scfg) || str_of(e, "ident") == NULL || str_of(e, "token") == NULL ||
		    str_of(e, "ident_type") == NULL)
			continue;
		c.type = cn_xstrdup(scfg.challenge ? scfg.challenge : "");
		c.ident_type = cn_xstrdup(str_of(e, "ident_type"));
		c.ident = cn_xstrdup(str_of(e, "ident"));
		c.token = cn_xstrdup(str_of(e, "token"));
		/* prepare checks the token (it names a webroot file); the dns-01
		 * value is the recorded one (it depends on the account key) */
		if (agent_chall_prepare(&c, "-") == 0 && str_of(e, "dns_value") != NULL) {
			free(c.dns_value);
			c.dns_value = cn_xstrdup(str_of(e, "dns_value"));
		}
		if (c.key_authz != NULL && agent_solver_new(&scfg, &s) == 0) {
			CN_LOG(CN_LOG_INFO, "agent", "%s: removing the %s response for %s left by an interrupted run",
			    name, c.type, c.ident);
			if (s->ops->cleanup(s, &c) != 0)
				CN_LOG(CN_LOG_WARN, "agent", "%s", cn_err_detail());
		} else {
			CN_LOG(CN_LOG_WARN, "agent", "%s: cannot remove a leftover response: %s", name, cn_err_detail());
		}
		agent_solver_free(s);
		agent_chall_cleanup(&c);
	}
	json_decref(arr);
	agent_journal_clear(st, name);
	free(path);
}
