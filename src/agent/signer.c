/*
 * signer.c - the key-holding process of cairn and its client stubs.
 *
 * Model: OpenBSD acme-client keyproc/acctproc. The process is forked before
 * any network I/O; it keeps only the socket and stderr open, refuses ptrace
 * attachment and core dumps (PR_SET_DUMPABLE 0), and serves requests until
 * the network side closes the socket. Every request is one frame:
 *
 *   u32 frame_len | i32 op | u32 n_fields | n x (u32 len | bytes)
 *
 * with frame_len <= AGENT_SIGNER_MAX_MSG and n_fields <=
 * AGENT_SIGNER_MAX_FIELDS; a reply has the same shape with a status code in
 * place of op (0, or a CN_ERR_* code whose one field is the detail). Any
 * malformed frame ends the signer.
 *
 * Operations: LOAD_KEY (load / create / regenerate a key file under the
 * state directory into a slot; returns the public JWK and thumbprint), JWS
 * (RFC 8555 section 6.2 request signing) and CSR (RFC 2986, names from the
 * network side, key from the slot). Nothing returns private key material.
 */
#include "signer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "buf.h"
#include "jose/jwk.h"
#include "jose/jws.h"
#include "json.h"
#include "log.h"
#include "mem.h"
#include "x509/csr.h"
#include "x509/key.h"

enum signer_op { OP_LOAD_KEY = 1, OP_JWS = 2, OP_CSR = 3 };

#define JWS_HAS_KID 1
#define JWS_HAS_NONCE 2
#define JWS_HAS_PAYLOAD 4

struct agent_signer {
	int fd;
	pid_t pid;
};

struct frame {
	int32_t code;
	uint32_t n;
	struct cn_span *f; /* borrowed from the frame buffer */
	unsigned char *raw;
};

/* ---- framing ------------------------------------------------------------ */

static int write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	ssize_t w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cn_err_set(CN_ERR_IO, "signer channel: write: %s", strerror(errno));
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t n)
{
	unsigned char *c = p;
	ssize_t r;

	while (n > 0) {
		r = read(fd, c, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return cn_err_set(CN_ERR_IO, "signer channel closed");
		if (r < 0)
			return cn_err_set(CN_ERR_IO, "signer channel: read: %s", strerror(errno));
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static void put_u32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t get_u32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Sends one frame of n fields (ptrs/lens). */
static int frame_send(int fd, int32_t code, size_t n, const void *const *ptrs, const size_t *lens)
{
	struct cn_buf b;
	unsigned char hdr[12];
	size_t i, total = 8;
	int r;

	if (n > AGENT_SIGNER_MAX_FIELDS)
		return cn_err_set(CN_ERR_TOO_BIG, "signer request with %zu fields", n);
	for (i = 0; i < n; i++) {
		if (lens[i] > AGENT_SIGNER_MAX_MSG)
			return cn_err_set(CN_ERR_TOO_BIG, "signer field too large");
		total += 4 + lens[i];
	}
	if (total > AGENT_SIGNER_MAX_MSG)
		return cn_err_set(CN_ERR_TOO_BIG, "signer message of %zu bytes", total);
	cn_buf_init(&b, AGENT_SIGNER_MAX_MSG + 4);
	put_u32(hdr, (uint32_t)total);
	put_u32(hdr + 4, (uint32_t)code);
	put_u32(hdr + 8, (uint32_t)n);
	r = cn_buf_add(&b, hdr, 12);
	for (i = 0; r == 0 && i < n; i++) {
		unsigned char l[4];

		put_u32(l, (uint32_t)lens[i]);
		r = cn_buf_add(&b, l, 4);
		if (r == 0)
			r = cn_buf_add(&b, ptrs[i], lens[i]);
	}
	if (r == 0)
		r = write_all(fd, b.data, b.len);
	cn_free_secret(b.data, b.cap);
	return r;
}

static void frame_free(struct frame *fr)
{
	free(fr->f);
	free(fr->raw);
	memset(fr, 0, sizeof(*fr));
}

/* Receives one frame; every length is checked against what remains. */
static int frame_recv(int fd, struct frame *fr)
{
	unsigned char l[4];
	uint32_t total, i;
	size_t off;
	int r;

	memset(fr, 0, sizeof(*fr));
	r = read_all(fd, l, 4);
	if (r != 0)
		return r;
	total = get_u32(l);
	if (total < 8 || total > AGENT_SIGNER_MAX_MSG)
		return cn_err_set(CN_ERR_MALFORMED, "signer frame of %u bytes", total);
	fr->raw = cn_xmalloc(total);
	r = read_all(fd, fr->raw, total);
	if (r != 0)
		goto fail;
	fr->code = (int32_t)get_u32(fr->raw);
	fr->n = get_u32(fr->raw + 4);
	if (fr->n > AGENT_SIGNER_MAX_FIELDS) {
		r = cn_err_set(CN_ERR_MALFORMED, "signer frame with %u fields", fr->n);
		goto fail;
	}
	fr->f = cn_xcalloc(fr->n ? fr->n : 1, sizeof(*fr->f));
	off = 8;
	for (i = 0; i < fr->n; i++) {
		uint32_t len;

		if (total - off < 4) {
			r = cn_err_set(CN_ERR_MALFORMED, "truncated signer frame");
			goto fail;
		}
		len = get_u32(fr->raw + off);
		off += 4;
		if (len > total - off) {
			r = cn_err_set(CN_ERR_MALFORMED, "truncated signer frame");
			goto fail;
		}
		fr->f[i].p = fr->raw + off;
		fr->f[i].len = len;
		off += len;
	}
	if (off != total) {
		r = cn_err_set(CN_ERR_MALFORMED, "trailing bytes in signer frame");
		goto fail;
	}
	return 0;
fail:
	frame_free(fr);
	return r;
}

/* A field as a heap C string; NULL if it contains a NUL byte. */
static char *field_str(const struct cn_span *s)
{
	if (memchr(s->p, '\0', s->len) != NULL)
		return NULL;
	return cn_xstrndup((const char *)s->p, s->len);
}

/* ---- the signer process -------------------------------------------------- */

struct signer_state {
	const char *state_dir;
	EVP_PKEY *keys[AGENT_SLOT_MAX];
};

static bool path_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '.' || c == '_' || c == '-' || c == '@';
}

bool agent_signer_path_ok(const char *relpath)
{
	const char *p = relpath, *seg;
	size_t n = strlen(relpath), len;
	bool last;

	if (strncmp(relpath, "accounts/", 9) != 0 && strncmp(relpath, "archive/", 8) != 0)
		return false;
	if (!((n > 4 && strcmp(relpath + n - 4, ".key") == 0) ||
	    (n > 11 && strcmp(relpath + n - 11, "privkey.pem") == 0)))
		return false;
	for (;;) {
		seg = p;
		while (*p != '\0' && *p != '/') {
			if (!path_char_ok(*p))
				return false;
			p++;
		}
		len = (size_t)(p - seg);
		last = *p == '\0';
		if (len == 0 || (len == 1 && seg[0] == '.') || (len == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		if (last)
			return true;
		p++;
	}
}

static int slot_parse(const struct cn_span *s, enum agent_key_slot *out)
{
	if (s->len != 1 || s->p[0] < '0' || s->p[0] >= '0' + AGENT_SLOT_MAX)
		return cn_err_set(CN_ERR_MALFORMED, "bad key slot");
	*out = (enum agent_key_slot)(s->p[0] - '0');
	return 0;
}

static int reply_err(int fd, int code)
{
	const char *d = cn_err_detail();
	const void *p[1] = {d};
	size_t l[1] = {strlen(d)};

	return frame_send(fd, code, 1, p, l);
}

static int op_load_key(struct signer_state *ss, int fd, const struct frame *fr)
{
	enum agent_key_slot slot = AGENT_SLOT_ACCOUNT;
	enum cn_key_type kt = CN_KEY_P256;
	char *rel = NULL, *type = NULL, *path = NULL, *jwk_s = NULL;
	EVP_PKEY *key = NULL;
	json_t *jwk = NULL;
	char thumb[CN_JWK_THUMBPRINT_LEN + 1];
	bool fresh;
	int r;

	if (fr->n != 4) {
		r = cn_err_set(CN_ERR_MALFORMED, "LOAD_KEY takes 4 fields");
		goto out;
	}
	r = slot_parse(&fr->f[0], &slot);
	if (r != 0)
		goto out;
	rel = field_str(&fr->f[1]);
	type = field_str(&fr->f[2]);
	fresh = fr->f[3].len == 1 && fr->f[3].p[0] == '1';
	if (rel == NULL || type == NULL || !agent_signer_path_ok(rel)) {
		r = cn_err_set(CN_ERR_UNAUTHORIZED, "signer refuses key path");
		goto out;
	}
	if (type[0] != '\0') {
		r = cn_key_type_parse(type, &kt);
		if (r != 0)
			goto out;
	}
	path = cn_xmalloc(strlen(ss->state_dir) + strlen(rel) + 2);
	snprintf(path, strlen(ss->state_dir) + strlen(rel) + 2, "%s/%s", ss->state_dir, rel);
	if (!fresh) {
		r = cn_key_load(path, &key);
		if (r == CN_ERR_NOT_FOUND && type[0] != '\0')
			fresh = true;
		else if (r == CN_ERR_NOT_FOUND)
			r = cn_err_set(CN_ERR_NOT_FOUND, "no key at %s", path);
		if (r != 0 && !fresh)
			goto out;
	}
	if (fresh) {
		if (type[0] == '\0') {
			r = cn_err_set(CN_ERR_USAGE, "a new key needs a key type");
			goto out;
		}
		r = cn_key_generate(kt, &key);
		if (r != 0)
			goto out;
		r = cn_key_save(path, key);
		if (r != 0)
			goto out;
	}
	r = cn_jwk_from_pkey(key, &jwk);
	if (r != 0)
		goto out;
	r = cn_jwk_thumbprint(jwk, thumb);
	if (r != 0)
		goto out;
	jwk_s = cn_json_dump(jwk);
	EVP_PKEY_free(ss->keys[slot]);
	ss->keys[slot] = key;
	key = NULL;
	{
		const void *p[2] = {jwk_s, thumb};
		size_t l[2] = {strlen(jwk_s), strlen(thumb)};

		r = frame_send(fd, 0, 2, p, l);
		if (r != 0)
			r = 1; /* channel broken: leave the loop */
	}
out:
	if (r < 0)
		r = reply_err(fd, r) != 0 ? 1 : 0;
	EVP_PKEY_free(key);
	json_decref(jwk);
	free(rel);
	free(type);
	free(path);
	free(jwk_s);
	return r;
}

static int op_jws(struct signer_state *ss, int fd, const struct frame *fr)
{
	enum agent_key_slot slot = AGENT_SLOT_ACCOUNT;
	char *kid = NULL, *nonce = NULL, *url = NULL, *payload = NULL, *jws = NULL;
	unsigned flags;
	int r;

	if (fr->n != 6 || fr->f[1].len != 1) {
		r = cn_err_set(CN_ERR_MALFORMED, "JWS takes 6 fields");
		goto out;
	}
	r = slot_parse(&fr->f[0], &slot);
	if (r != 0)
		goto out;
	if (ss->keys[slot] == NULL) {
		r = cn_err_set(CN_ERR_USAGE, "no key loaded in slot %d", (int)slot);
		goto out;
	}
	flags = fr->f[1].p[0];
	url = field_str(&fr->f[4]);
	if (flags & JWS_HAS_KID)
		kid = field_str(&fr->f[2]);
	if (flags & JWS_HAS_NONCE)
		nonce = field_str(&fr->f[3]);
	if (flags & JWS_HAS_PAYLOAD)
		payload = field_str(&fr->f[5]);
	if (url == NULL || ((flags & JWS_HAS_KID) && kid == NULL) ||
	    ((flags & JWS_HAS_NONCE) && nonce == NULL) || ((flags & JWS_HAS_PAYLOAD) && payload == NULL)) {
		r = cn_err_set(CN_ERR_MALFORMED, "NUL byte in JWS field");
		goto out;
	}
	r = cn_jws_sign(ss->keys[slot], kid, nonce, url, payload, &jws);
	if (r != 0)
		goto out;
	{
		const void *p[1] = {jws};
		size_t l[1] = {strlen(jws)};

		r = frame_send(fd, 0, 1, p, l) != 0 ? 1 : 0;
	}
out:
	if (r < 0)
		r = reply_err(fd, r) != 0 ? 1 : 0;
	free(kid);
	free(nonce);
	free(url);
	free(payload);
	free(jws);
	return r;
}

static int op_csr(struct signer_state *ss, int fd, const struct frame *fr)
{
	enum agent_key_slot slot = AGENT_SLOT_ACCOUNT;
	char **names = NULL;
	unsigned char *der = NULL;
	size_t der_len = 0, n_dns = 0, n_names = 0, i;
	char num[16];
	int r;

	if (fr->n < 2) {
		r = cn_err_set(CN_ERR_MALFORMED, "CSR takes at least 2 fields");
		goto out;
	}
	r = slot_parse(&fr->f[0], &slot);
	if (r != 0)
		goto out;
	if (ss->keys[slot] == NULL) {
		r = cn_err_set(CN_ERR_USAGE, "no key loaded in slot %d", (int)slot);
		goto out;
	}
	if (fr->f[1].len == 0 || fr->f[1].len >= sizeof(num)) {
		r = cn_err_set(CN_ERR_MALFORMED, "bad DNS name count");
		goto out;
	}
	memcpy(num, fr->f[1].p, fr->f[1].len);
	num[fr->f[1].len] = '\0';
	n_dns = strtoul(num, NULL, 10);
	n_names = fr->n - 2;
	if (n_dns > n_names) {
		r = cn_err_set(CN_ERR_MALFORMED, "bad DNS name count");
		goto out;
	}
	names = cn_xcalloc(n_names ? n_names : 1, sizeof(*names));
	for (i = 0; i < n_names; i++) {
		names[i] = field_str(&fr->f[i + 2]);
		if (names[i] == NULL) {
			r = cn_err_set(CN_ERR_MALFORMED, "NUL byte in a name");
			goto out;
		}
	}
	r = cn_csr_new(ss->keys[slot], (const char *const *)names, n_dns,
	    (const char *const *)names + n_dns, n_names - n_dns, true, &der, &der_len);
	if (r != 0)
		goto out;
	{
		const void *p[1] = {der};
		size_t l[1] = {der_len};

		r = frame_send(fd, 0, 1, p, l) != 0 ? 1 : 0;
	}
out:
	if (r < 0)
		r = reply_err(fd, r) != 0 ? 1 : 0;
	for (i = 0; names != NULL && i < n_names; i++)
		free(names[i]);
	free(names);
	free(der);
	return r;
}

static void signer_main(int fd, const char *state_dir)
{
	struct signer_state ss;
	struct frame fr;
	int i, r;

	memset(&ss, 0, sizeof(ss));
	ss.state_dir = state_dir;
	for (;;) {
		if (frame_recv(fd, &fr) != 0)
			break; /* closed or malformed: either way, stop */
		switch (fr.code) {
		case OP_LOAD_KEY:
			r = op_load_key(&ss, fd, &fr);
			break;
		case OP_JWS:
			r = op_jws(&ss, fd, &fr);
			break;
		case OP_CSR:
			r = op_csr(&ss, fd, &fr);
			break;
		default:
			r = 1;
			break;
		}
		frame_free(&fr);
		if (r != 0)
			break;
	}
	for (i = 0; i < AGENT_SLOT_MAX; i++)
		EVP_PKEY_free(ss.keys[i]);
}

int agent_signer_start(const char *state_dir, struct agent_signer **out)
{
	struct agent_signer *s = NULL;
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return cn_err_set(CN_ERR_IO, "socketpair: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return cn_err_set(CN_ERR_IO, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		int fd;

		close(sv[0]);
		/* keep only stdin/out/err and the channel */
		for (fd = 3; fd < 1024; fd++)
			if (fd != sv[1])
				close(fd);
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0);
		signal(SIGINT, SIG_IGN); /* the network side decides when to stop */
		signal(SIGPIPE, SIG_IGN);
		signer_main(sv[1], state_dir);
		_exit(0);
	}
	close(sv[1]);
	s = cn_xcalloc(1, sizeof(*s));
	s->fd = sv[0];
	s->pid = pid;
	*out = s;
	return 0;
}

void agent_signer_stop(struct agent_signer *s)
{
	int st;

	if (s == NULL)
		return;
	close(s->fd);
	while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
		;
	free(s);
}

pid_t agent_signer_pid(const struct agent_signer *s)
{
	return s->pid;
}

/* ---- client stubs -------------------------------------------------------- */

/* Sends a request, reads the reply; on a signer error returns its code with
 * its detail. Caller frees rep on success. */
static int call(struct agent_signer *s, int op, size_t n, const void *const *p, const size_t *l,
    struct frame *rep)
{
	char *detail;
	int r;

	r = frame_send(s->fd, op, n, p, l);
	if (r != 0)
		return r;
	r = frame_recv(s->fd, rep);
	if (r != 0)
		return r;
	if (rep->code != 0) {
		r = rep->code < 0 && rep->code > CN_ERR_MIN ? rep->code : CN_ERR_INTERNAL;
		detail = rep->n == 1 ? field_str(&rep->f[0]) : NULL;
		cn_err_set(r, "%s", detail ? detail : "signer failed");
		free(detail);
		frame_free(rep);
		return r;
	}
	return 0;
}

int agent_signer_load_key(struct agent_signer *s, enum agent_key_slot slot,
    const char *relpath, const char *key_type, bool fresh, json_t **jwk,
    char thumbprint[44])
{
	char sl = (char)('0' + slot), fr = fresh ? '1' : '0';
	const char *kt = key_type ? key_type : "";
	const void *p[4] = {&sl, relpath, kt, &fr};
	size_t l[4] = {1, strlen(relpath), strlen(kt), 1};
	struct frame rep;
	json_t *j = NULL;
	int r;

	r = call(s, OP_LOAD_KEY, 4, p, l, &rep);
	if (r != 0)
		return r;
	if (rep.n != 2 || rep.f[1].len != CN_JWK_THUMBPRINT_LEN) {
		r = cn_err_set(CN_ERR_INTERNAL, "bad LOAD_KEY reply");
		goto out;
	}
	if (jwk != NULL) {
		r = cn_json_parse_object(rep.f[0].p, rep.f[0].len, &j);
		if (r != 0)
			goto out;
	}
	if (thumbprint != NULL) {
		memcpy(thumbprint, rep.f[1].p, CN_JWK_THUMBPRINT_LEN);
		thumbprint[CN_JWK_THUMBPRINT_LEN] = '\0';
	}
	if (jwk != NULL) {
		*jwk = j;
		j = NULL;
	}
out:
	json_decref(j);
	frame_free(&rep);
	return r;
}

int agent_signer_jws(struct agent_signer *s, enum agent_key_slot slot,
    const char *kid, const char *nonce, const char *url, const char *payload,
    char **out)
{
	char sl = (char)('0' + slot), flags = 0;
	const void *p[6];
	size_t l[6];
	struct frame rep;
	int r;

	if (kid != NULL)
		flags |= JWS_HAS_KID;
	if (nonce != NULL)
		flags |= JWS_HAS_NONCE;
	if (payload != NULL)
		flags |= JWS_HAS_PAYLOAD;
	p[0] = &sl;
	l[0] = 1;
	p[1] = &flags;
	l[1] = 1;
	p[2] = kid ? kid : "";
	l[2] = strlen(p[2]);
	p[3] = nonce ? nonce : "";
	l[3] = strlen(p[3]);
	p[4] = url;
	l[4] = strlen(url);
	p[5] = payload ? payload : "";
	l[5] = strlen(p[5]);
	r = call(s, OP_JWS, 6, p, l, &rep);
	if (r != 0)
		return r;
	if (rep.n != 1) {
		frame_free(&rep);
		return cn_err_set(CN_ERR_INTERNAL, "bad JWS reply");
	}
	*out = cn_xstrndup((const char *)rep.f[0].p, rep.f[0].len);
	frame_free(&rep);
	return 0;
}

int agent_signer_csr(struct agent_signer *s, enum agent_key_slot slot,
    const char *const *dns, size_t n_dns, const char *const *ips, size_t n_ips,
    unsigned char **der, size_t *der_len)
{
	const void **p = NULL;
	size_t *l = NULL, n = 2 + n_dns + n_ips, i;
	char sl = (char)('0' + slot), num[24];
	struct frame rep;
	int r;

	if (n > AGENT_SIGNER_MAX_FIELDS)
		return cn_err_set(CN_ERR_TOO_BIG, "too many names for one CSR");
	p = cn_xcalloc(n, sizeof(*p));
	l = cn_xcalloc(n, sizeof(*l));
	snprintf(num, sizeof(num), "%zu", n_dns);
	p[0] = &sl;
	l[0] = 1;
	p[1] = num;
	l[1] = strlen(num);
	for (i = 0; i < n_dns; i++) {
		p[2 + i] = dns[i];
		l[2 + i] = strlen(dns[i]);
	}
	for (i = 0; i < n_ips; i++) {
		p[2 + n_dns + i] = ips[i];
		l[2 + n_dns + i] = strlen(ips[i]);
	}
	r = call(s, OP_CSR, n, p, l, &rep);
	if (r != 0)
		goto out;
	if (rep.n != 1 || rep.f[0].len == 0) {
		frame_free(&rep);
		r = cn_err_set(CN_ERR_INTERNAL, "bad CSR reply");
		goto out;
	}
	*der = cn_xmemdup(rep.f[0].p, rep.f[0].len);
	*der_len = rep.f[0].len;
	frame_free(&rep);
out:
	free(p);
	free(l);
	return r;
}
