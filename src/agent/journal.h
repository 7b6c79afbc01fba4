/*
 * journal.h - challenge responses that were published and not yet removed
 * (dns-01 TXT records, webroot files), recorded in
 * STATE/archive/NAME/pending.json before they are published, so that a run
 * killed in the middle of an order (SIGKILL, power loss) has its leftovers
 * removed by the next run for that certificate. Standalone responders need
 * no entry: they vanish with the process.
 */
#ifndef AGENT_JOURNAL_H
#define AGENT_JOURNAL_H

#include <stdbool.h>

#include "err.h"
#include "solve/solve.h"
#include "state.h"

/* Whether responses of this solver outlive the process. */
bool agent_journal_needed(const struct agent_solver_cfg *scfg);
/* Records c (with the solver settings needed to remove it) before it is presented. */
int agent_journal_add(const struct agent_state *st, const char *name,
    const struct agent_solver_cfg *scfg, const struct agent_chall *c) CN_WUR;
/* Forgets every entry (all responses were removed). */
void agent_journal_clear(const struct agent_state *st, const char *name);
/* Removes the responses recorded by an earlier run, then clears the journal. */
void agent_journal_replay(const struct agent_state *st, const char *name);

#endif
