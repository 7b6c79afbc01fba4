/*
 * hook.c - runs hook commands through /bin/sh with arguments as positional
 * parameters and extra environment variables; bounded by a timeout. Safe
 * while other threads run (standalone solvers): everything the child needs
 * is built before fork, and the child only calls execve/_exit.
 */
#include "hook.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "mem.h"

extern char **environ;

int agent_hook_run(const char *cmd, const char *const *args, size_t n_args,
    const char *const *env, size_t n_env)
{
	char **argv = NULL, **envp = NULL, *script = NULL;
	size_t n_environ = 0, i, k;
	struct cn_buf b;
	time_t deadline;
	pid_t pid, w;
	int st = 0, r;

	cn_buf_init(&b, 65536);
	r = cn_buf_addf(&b, "%s \"$@\"", cmd);
	if (r != 0)
		return cn_err_set(CN_ERR_USAGE, "hook command too long");
	script = cn_buf_take(&b, NULL);
	argv = cn_xcalloc(n_args + 5, sizeof(*argv));
	argv[0] = (char *)"/bin/sh";
	argv[1] = (char *)"-c";
	argv[2] = script;
	argv[3] = (char *)"cairn-hook";
	for (i = 0; i < n_args; i++)
		argv[4 + i] = (char *)args[i];
	while (environ != NULL && environ[n_environ] != NULL)
		n_environ++;
	envp = cn_xcalloc(n_environ + n_env + 1, sizeof(*envp));
	k = 0;
	for (i = 0; i < n_environ; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t nl = eq ? (size_t)(eq - environ[i]) : strlen(environ[i]);
		size_t j;
		int dup = 0;

		/* ours override inherited ones of the same name */
		for (j = 0; j < n_env; j++)
			if (strncmp(env[j], environ[i], nl) == 0 && env[j][nl] == '=')
				dup = 1;
		if (!dup)
			envp[k++] = environ[i];
	}
	for (i = 0; i < n_env; i++)
		envp[k++] = (char *)env[i];
	envp[k] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = cn_err_set(CN_ERR_IO, "fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0) {
		execve("/bin/sh", argv, envp);
		_exit(127);
	}
	deadline = time(NULL) + AGENT_HOOK_TIMEOUT_S;
	for (;;) {
		w = waitpid(pid, &st, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			r = cn_err_set(CN_ERR_IO, "waitpid: %s", strerror(errno));
			goto out;
		}
		if (time(NULL) > deadline) {
			kill(pid, SIGKILL);
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			r = cn_err_set(CN_ERR_TIMEOUT, "hook '%s' killed after %ds", cmd, AGENT_HOOK_TIMEOUT_S);
			goto out;
		}
		usleep(10000);
	}
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		r = 0;
	else if (WIFEXITED(st))
		r = cn_err_set(CN_ERR_IO, "hook '%s' exited with status %d", cmd, WEXITSTATUS(st));
	else
		r = cn_err_set(CN_ERR_IO, "hook '%s' killed by signal %d", cmd,
		    WIFSIGNALED(st) ? WTERMSIG(st) : 0);
out:
	free(argv);
	free(envp);
	free(script);
	return r;
}
