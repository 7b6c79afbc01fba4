/*
 * admin.h - `cairnd admin ...`: operator commands that work directly on the
 * store, so they also work while cairnd runs.
 */
#ifndef CA_ADMIN_H
#define CA_ADMIN_H

#include <stdbool.h>
#include <stdio.h>

#include "store/store.h"

/* argv[0] is "admin". Returns the process exit status. */
int ca_admin_main(int argc, char **argv);

/* The commands of the protocol extensions (admin_protocol.c): eab, ari,
 * block-key, list. argv[i] is the command word. Sets *handled when it is
 * one of them and returns 0 or a CN_ERR_* (CN_ERR_USAGE after printing
 * what is wrong). */
int ca_admin_protocol(struct ca_store *st, const char *data_dir, int argc, char **argv, int i,
    bool *handled);
/* Their lines of `cairnd admin --help`. */
void ca_admin_protocol_usage(FILE *f);
/* A serial as openssl prints it (upper case, colons, leading zeros dropped
 * or not) in the store's form: lower-case hex of whole octets. */
void ca_admin_serial_normalize(const char *in, char out[48]);

#endif
