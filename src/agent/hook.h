/*
 * hook.h - running operator commands (deploy hook, dns-01 hook) the way
 * uacme and certbot do: through /bin/sh -c, with positional arguments
 * passed as "$1"... (never pasted into the command string) and extra,
 * documented environment variables.
 */
#ifndef AGENT_HOOK_H
#define AGENT_HOOK_H

#include <stddef.h>

#include "err.h"

#define AGENT_HOOK_TIMEOUT_S 600 /* a hook running longer is killed */

/*
 * Runs `/bin/sh -c 'CMD "$@"' cairn-hook ARGS...` with the environment plus
 * env ("NAME=value" strings). args and env may be NULL. Returns 0 when the
 * command exits 0; CN_ERR_IO with a detail naming the exit status, the
 * signal or the timeout otherwise.
 */
int agent_hook_run(const char *cmd, const char *const *args, size_t n_args,
    const char *const *env, size_t n_env) CN_WUR;

#endif
