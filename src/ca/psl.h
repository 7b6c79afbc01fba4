/*
 * psl.h - the ICANN section of the Public Suffix List
 * (https://publicsuffix.org/list/, Debian package publicsuffix), so that
 * the identifier policy can refuse a name that is itself a public suffix
 * ("co.uk", "*.co.uk"): nobody can prove control of those for everybody
 * below them (BR 3.2.2.6 for wildcards).
 */
#ifndef CA_PSL_H
#define CA_PSL_H

#include <stdbool.h>

#include "err.h"

struct ca_psl;

/*
 * Reads the list at path: the rules between "===BEGIN ICANN DOMAINS==="
 * and "===END ICANN DOMAINS===", each label lower-cased and, when not
 * ASCII, turned into its A-label. Errors: CN_ERR_USAGE (cannot read it, no
 * ICANN section, or fewer than 1000 rules: not the list), detail naming
 * the file. Caller frees with ca_psl_free.
 */
int ca_psl_load(const char *path, struct ca_psl **out) CN_WUR;
/*
 * True if the lower-case A-label name (no trailing dot) is an ICANN public
 * suffix under the list's algorithm (normal, wildcard and exception rules;
 * an unlisted top-level label is one by the implicit "*" rule).
 */
bool ca_psl_is_public_suffix(const struct ca_psl *psl, const char *name);
/*
 * The registrable domain of the lower-case A-label name: its public suffix
 * (the longest suffix of name that is one) and one more label, as a pointer
 * into name ("example.co.uk" of "www.example.co.uk"); NULL when name is a
 * public suffix itself (or empty, or ends with a dot).
 */
const char *ca_psl_registrable_domain(const struct ca_psl *psl, const char *name);
/* Rules loaded (normal + wildcard + exception). */
size_t ca_psl_rules(const struct ca_psl *psl);
void ca_psl_free(struct ca_psl *psl);

#endif
