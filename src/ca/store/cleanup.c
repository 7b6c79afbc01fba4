/*
 * cleanup.c - releases what the store's _get functions allocate inside the
 * embedded structs of store.h (shared by every backend). Each function
 * accepts NULL, frees the heap members, and leaves the struct zeroed so a
 * second call is harmless.
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

void ca_account_cleanup(struct ca_account *a)
{
	if (a == NULL)
		return;
	free(a->jwk_json);
	free(a->contact_json);
	memset(a, 0, sizeof(*a));
}

void ca_challenge_cleanup(struct ca_challenge *c)
{
	if (c == NULL)
		return;
	free(c->error_json);
	memset(c, 0, sizeof(*c));
}

void ca_authz_cleanup(struct ca_authz *a)
{
	size_t i;

	if (a == NULL)
		return;
	for (i = 0; i < a->n_challenges; i++)
		ca_challenge_cleanup(&a->challenges[i]);
	free(a->challenges);
	free(a->id_value);
	memset(a, 0, sizeof(*a));
}

void ca_order_cleanup(struct ca_order *o)
{
	if (o == NULL)
		return;
	free(o->identifiers_json);
	free(o->error_json);
	free(o->profile);
	free(o->authz_ids);
	memset(o, 0, sizeof(*o));
}

void ca_cert_cleanup(struct ca_cert *c)
{
	if (c == NULL)
		return;
	free(c->der);
	memset(c, 0, sizeof(*c));
}
