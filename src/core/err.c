/*
 * err.c - error codes to text, RFC 8555 section 6.7 problem types and HTTP
 * status; the per-thread detail slot.
 */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "log.h"

struct err_row {
	int code;
	const char *text;
	const char *problem;
	int status;
};

static const struct err_row err_table[] = {
	{CN_OK, "success", "serverInternal", 200},
	{CN_ERR_INTERNAL, "internal error", "serverInternal", 500},
	{CN_ERR_TOO_BIG, "input too large", "malformed", 413},
	{CN_ERR_MALFORMED, "malformed request", "malformed", 400},
	{CN_ERR_BAD_SIG_ALG, "unsupported signature algorithm", "badSignatureAlgorithm", 400},
	{CN_ERR_BAD_SIG, "signature does not verify", "malformed", 400},
	{CN_ERR_BAD_NONCE, "bad or reused nonce", "badNonce", 400},
	{CN_ERR_BAD_CSR, "unacceptable CSR", "badCSR", 400},
	{CN_ERR_BAD_KEY, "unacceptable public key", "badPublicKey", 400},
	{CN_ERR_UNAUTHORIZED, "unauthorized", "unauthorized", 403},
	{CN_ERR_NOT_FOUND, "not found", "malformed", 404},
	{CN_ERR_ACCOUNT_DNE, "account does not exist", "accountDoesNotExist", 400},
	{CN_ERR_REJECTED_ID, "identifier rejected by policy", "rejectedIdentifier", 400},
	{CN_ERR_UNSUPPORTED_ID, "unsupported identifier type", "unsupportedIdentifier", 400},
	{CN_ERR_ORDER_NOT_READY, "order not ready", "orderNotReady", 403},
	{CN_ERR_INCORRECT_RESPONSE, "incorrect challenge response", "incorrectResponse", 403},
	{CN_ERR_CONNECTION, "connection failed", "connection", 400},
	{CN_ERR_DNS, "DNS problem", "dns", 400},
	{CN_ERR_TLS, "TLS problem", "tls", 400},
	{CN_ERR_CAA, "CAA forbids issuance", "caa", 403},
	{CN_ERR_UNSUPPORTED_CONTACT, "unsupported contact", "unsupportedContact", 400},
	{CN_ERR_INVALID_CONTACT, "invalid contact", "invalidContact", 400},
	{CN_ERR_BAD_REVOCATION_REASON, "bad revocation reason", "badRevocationReason", 400},
	{CN_ERR_ALREADY_REVOKED, "already revoked", "alreadyRevoked", 400},
	{CN_ERR_CONFLICT, "conflict", "malformed", 409},
	{CN_ERR_RATE_LIMITED, "rate limited", "rateLimited", 429},
	{CN_ERR_USER_ACTION, "user action required", "userActionRequired", 403},
	{CN_ERR_METHOD, "method not allowed", "malformed", 405},
	{CN_ERR_MEDIA_TYPE, "unsupported media type", "malformed", 415},
	{CN_ERR_IO, "I/O error", "serverInternal", 500},
	{CN_ERR_STORE, "store error", "serverInternal", 500},
	{CN_ERR_CRYPTO, "cryptographic operation failed", "serverInternal", 500},
	{CN_ERR_TIMEOUT, "timed out", "connection", 400},
	{CN_ERR_USAGE, "usage error", "malformed", 400},
	{CN_ERR_EXTERNAL_ACCOUNT, "external account binding required", "externalAccountRequired", 400},
	{CN_ERR_ACCOUNT_DEACTIVATED, "account deactivated", "unauthorized", 401},
	{CN_ERR_BAD_REQUEST, "bad request", "malformed", 400},
	{CN_ERR_ALREADY_REPLACED, "certificate already replaced", "alreadyReplaced", 409},
	{CN_ERR_INVALID_PROFILE, "unknown or unsuitable profile", "invalidProfile", 400},
};

static const struct err_row *err_find(int code)
{
	size_t i;

	for (i = 0; i < sizeof(err_table) / sizeof(err_table[0]); i++)
		if (err_table[i].code == code)
			return &err_table[i];
	return &err_table[1];
}

const char *cn_err_str(int code) { return err_find(code)->text; }
const char *cn_err_problem(int code) { return err_find(code)->problem; }
int cn_err_http_status(int code) { return err_find(code)->status; }

static _Thread_local char err_detail[512];

int cn_err_set(int code, const char *fmt, ...)
{
	char tmp[sizeof(err_detail)];
	va_list ap;

	/* Through a copy, so that a detail may quote the previous one
	 * (cn_err_set(r, "x: %s", cn_err_detail())). */
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	memcpy(err_detail, tmp, sizeof(err_detail));
	return code;
}

int cn_err_openssl(int code, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	CN_LOG(CN_LOG_DEBUG, "core", "%s: %s", what, buf);
	return cn_err_set(code, "%s failed%s%s", what, buf[0] ? ": " : "", buf);
}

const char *cn_err_detail(void) { return err_detail; }
void cn_err_clear(void) { err_detail[0] = '\0'; }
