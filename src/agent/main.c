/*
 * main.c - cairn, the certificate management agent: parses the command
 * line (opts.c), sets up logging, signals, the state directory and the
 * signer, and runs one command. Exit codes are in opts.h and cairn(1).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "log.h"
#include "opts.h"

#define CAIRN_VERSION "0.1"

static void on_term(int sig)
{
	(void)sig;
	agent_stop_requested = 1;
}

int main(int argc, char **argv)
{
	struct agent_opts o;
	struct agent_ctx ctx;
	struct sigaction sa;
	enum agent_cmd help_cmd = AGENT_CMD_NONE;
	size_t i;
	int r, rc;

	r = agent_opts_parse(argc, argv, &o);
	if (r != 0) {
		fprintf(stderr, "cairn: %s\n", cn_err_detail());
		return AGENT_EXIT_USAGE;
	}
	if (o.cmd == AGENT_CMD_VERSION) {
		printf("cairn %s\n", CAIRN_VERSION);
		return 0;
	}
	if (o.cmd == AGENT_CMD_HELP) {
		if (o.roff) {
			agent_opts_roff(stdout);
			return 0;
		}
		for (i = AGENT_CMD_NONE; o.n_args == 1 && i < AGENT_CMD_MAX; i++)
			if (strcmp(agent_cmd_name((enum agent_cmd)i), o.args[0]) == 0)
				help_cmd = (enum agent_cmd)i;
		agent_opts_help(stdout, help_cmd);
		return 0;
	}
	cn_log_level = o.log_level;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	r = agent_ctx_init(&ctx, &o, o.cmd != AGENT_CMD_LIST);
	if (r != 0) {
		agent_report("state", r);
		return AGENT_EXIT_FAILED;
	}
	switch (o.cmd) {
	case AGENT_CMD_ACCOUNT:
		rc = agent_cmd_account(&ctx);
		break;
	case AGENT_CMD_ISSUE:
		rc = agent_cmd_issue(&ctx);
		break;
	case AGENT_CMD_RENEW:
		rc = agent_cmd_renew(&ctx);
		break;
	case AGENT_CMD_REVOKE:
		rc = agent_cmd_revoke(&ctx);
		break;
	case AGENT_CMD_LIST:
		rc = agent_cmd_list(&ctx);
		break;
	case AGENT_CMD_DAEMON:
		rc = agent_cmd_daemon(&ctx);
		break;
	default:
		rc = AGENT_EXIT_USAGE;
		break;
	}
	agent_ctx_cleanup(&ctx);
	return rc;
}
