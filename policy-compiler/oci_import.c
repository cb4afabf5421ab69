/* SPDX-License-Identifier: MIT */
/*
 * oci_import.c - OCI runtime-spec / Docker seccomp JSON -> IR.
 *
 * Accepts either a bare `linux.seccomp` object or a whole config.json.
 * Docker's extensions are honoured the way Docker itself applies them:
 * archMap picks the native entry and its sub-architectures; includes need
 * every listed capability, the native arch (Go spelling) and a kernel at
 * least minKernel; excludes drop a rule when any listed capability is
 * granted, the arch matches or the kernel is at least minKernel.  Several
 * `args` on one rule are ANDed; several rules for one syscall are ORed.
 *
 * json-c builds the tree but keeps no positions, so a second, trivial scan
 * of the (already validated, strict) text records where every value and
 * key starts; semantic errors then point at the offending token.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/utsname.h>
#include <json-c/json.h>

#include "compart.h"
#include "seccomp_internal.h"
#include "util.h"

/* ---- positions of values in the source text ------------------------- */

/* JSON-pointer paths are short; a truncated one only loses the caret. */
static void pathf(char *buf, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

struct jpos {
	size_t path;     /* offset in the arena of a JSON pointer, e.g. /syscalls/3/args/0/op */
	uint32_t line, col, span;
};

struct locator {
	const char *s;
	size_t len, i;
	uint32_t line;
	size_t line_start;
	struct jpos *v;          /* in document order */
	size_t n, cap, cursor;   /* lookups come mostly in document order too */
	char *arena;             /* every path, NUL-separated */
	size_t alen, acap;
	bool failed;
};

static void lc_adv(struct locator *L)
{
	if (L->s[L->i] == '\n') {
		L->line++;
		L->line_start = L->i + 1;
	}
	L->i++;
}

static void lc_ws(struct locator *L)
{
	while (L->i < L->len && strchr(" \t\r\n", L->s[L->i]) && L->s[L->i])
		lc_adv(L);
}

static void lc_record(struct locator *L, const char *path, size_t start, size_t end,
		      uint32_t line, size_t line_start)
{
	if (L->n == L->cap) {
		size_t nc = L->cap ? 2 * L->cap : 256;
		struct jpos *nv = realloc(L->v, nc * sizeof(*nv));

		if (!nv) {
			L->failed = true;
			return;
		}
		L->v = nv;
		L->cap = nc;
	}
	{
		size_t pl = strlen(path) + 1;

		if (L->alen + pl > L->acap) {
			size_t nc = L->acap ? 2 * L->acap : 16384;
			char *na;

			while (nc < L->alen + pl)
				nc *= 2;
			na = realloc(L->arena, nc);
			if (!na) {
				L->failed = true;
				return;
			}
			L->arena = na;
			L->acap = nc;
		}
		memcpy(L->arena + L->alen, path, pl);
		L->v[L->n].path = L->alen;
		L->alen += pl;
	}
	L->v[L->n].line = line;
	L->v[L->n].col = (uint32_t)(start - line_start + 1);
	L->v[L->n].span = (uint32_t)(end - start > 200 ? 200 : end - start);
	L->n++;
}

/* Skip a string starting at the opening quote; copies its raw contents
 * (escapes left as they are: keys in seccomp JSON never need them). */
static bool lc_string(struct locator *L, char *out, size_t outlen)
{
	size_t k = 0;

	if (L->i >= L->len || L->s[L->i] != '"')
		return false;
	lc_adv(L);
	while (L->i < L->len && L->s[L->i] != '"') {
		if (L->s[L->i] == '\\' && L->i + 1 < L->len) {
			if (out && k + 1 < outlen)
				out[k++] = L->s[L->i];
			lc_adv(L);
		}
		if (out && k + 1 < outlen)
			out[k++] = L->s[L->i];
		lc_adv(L);
	}
	if (out)
		out[k] = '\0';
	if (L->i >= L->len)
		return false;
	lc_adv(L);
	return true;
}

static bool lc_value(struct locator *L, char *path, size_t plen, size_t pcap, unsigned depth)
{
	size_t start = L->i, ls = L->line_start;
	uint32_t line = L->line;
	bool ok = true;

	if (depth > 64 || L->i >= L->len)
		return false;
	if (L->s[L->i] == '{' || L->s[L->i] == '[') {
		bool obj = L->s[L->i] == '{';
		char close = obj ? '}' : ']';
		unsigned idx = 0;

		lc_adv(L);
		lc_ws(L);
		while (ok && L->i < L->len && L->s[L->i] != close) {
			char key[128];
			int w;

			if (obj) {
				if (!lc_string(L, key, sizeof(key)))
					return false;
				w = snprintf(path + plen, pcap - plen, "/%s", key);
				if (w < 0 || (size_t)w >= pcap - plen)
					return false;
				lc_ws(L);
				if (L->i >= L->len || L->s[L->i] != ':')
					return false;
				lc_adv(L);
				lc_ws(L);
			} else {
				w = snprintf(path + plen, pcap - plen, "/%u", idx++);
				if (w < 0 || (size_t)w >= pcap - plen)
					return false;
			}
			ok = lc_value(L, path, plen + (size_t)w, pcap, depth + 1);
			path[plen] = '\0';
			lc_ws(L);
			if (ok && L->i < L->len && L->s[L->i] == ',') {
				lc_adv(L);
				lc_ws(L);
			}
		}
		if (!ok || L->i >= L->len)
			return false;
		lc_adv(L);
	} else if (L->s[L->i] == '"') {
		if (!lc_string(L, NULL, 0))
			return false;
	} else {
		while (L->i < L->len && !strchr(",]} \t\r\n", L->s[L->i]) && L->s[L->i])
			lc_adv(L);
	}
	lc_record(L, plen ? path : "/", start, L->i, line, ls);
	return !L->failed;
}

static void locator_free(struct locator *L)
{
	free(L->v);
	free(L->arena);
	L->v = NULL;
	L->arena = NULL;
	L->n = 0;
}

/* ---- the importer ----------------------------------------------------- */

struct imp {
	const char *file;          /* points into p->files[0] */
	struct locator L;
	struct cp_diag *diag;
	const struct cp_import_opts *opts;
	enum cp_arch native;
	uint32_t kmaj, kmin;
	struct cp_policy *p;
	int errors;
};

static struct cp_loc loc_of(struct imp *im, unsigned *span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static struct cp_loc loc_of(struct imp *im, unsigned *span, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	struct cp_loc loc = { im->file, 1, 1 };

	va_start(ap, fmt);
	vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	const struct jpos *hit = NULL;

	if (span)
		*span = 1;
	/* scan on from the previous hit, wrapping around once */
	for (size_t k = 0; k < im->L.n; k++) {
		size_t i = (im->L.cursor + k) % im->L.n;

		if (!strcmp(im->L.arena + im->L.v[i].path, path)) {
			hit = &im->L.v[i];
			im->L.cursor = i;
			break;
		}
	}
	if (hit) {
		loc.line = hit->line;
		loc.col = hit->col;
		if (span)
			*span = hit->span;
	}
	return loc;
}

#define IMP_ERR(im, path, ...) do {                                            \
		unsigned _span;                                                \
		struct cp_loc _l = loc_of((im), &_span, "%s", (path));         \
		cp_diag_report((im)->diag, CP_SEV_ERROR, _l, _span, __VA_ARGS__); \
		(im)->errors++;                                                \
	} while (0)

#define IMP_NOTE(im, path, ...) do {                                           \
		unsigned _span;                                                \
		struct cp_loc _l = loc_of((im), &_span, "%s", (path));         \
		cp_diag_report((im)->diag, CP_SEV_NOTE, _l, _span, __VA_ARGS__); \
	} while (0)

static const struct {
	const char *scmp;        /* SCMP_ARCH_ suffix */
	enum cp_arch arch;       /* 0 = known but not representable */
} arch_names[] = {
	{ "X86_64", CP_ARCH_X86_64 }, { "X86", CP_ARCH_I386 }, { "X32", CP_ARCH_X32 },
	{ "AARCH64", CP_ARCH_AARCH64 }, { "ARM", 0 }, { "MIPS", 0 }, { "MIPS64", 0 },
	{ "MIPS64N32", 0 }, { "MIPSEL", 0 }, { "MIPSEL64", 0 }, { "MIPSEL64N32", 0 },
	{ "PPC", 0 }, { "PPC64", 0 }, { "PPC64LE", 0 }, { "S390", 0 }, { "S390X", 0 },
	{ "PARISC", 0 }, { "PARISC64", 0 }, { "RISCV64", 0 }, { "LOONGARCH64", 0 },
	{ "M68K", 0 }, { "SH", 0 }, { "SHEB", 0 },
};

/* Returns 1 and *out for a representable arch, 0 for a known other arch,
 * -1 for an unknown name. */
static int scmp_arch(const char *name, enum cp_arch *out)
{
	if (strncmp(name, "SCMP_ARCH_", 10) != 0)
		return -1;
	for (size_t i = 0; i < sizeof(arch_names) / sizeof(arch_names[0]); i++)
		if (!strcmp(name + 10, arch_names[i].scmp)) {
			*out = arch_names[i].arch;
			return arch_names[i].arch ? 1 : 0;
		}
	return -1;
}

/* Docker's includes/excludes name arches the Go way (amd64, arm64, x86...). */
static const char *const go_arches[] = {
	"386", "amd64", "arm", "arm64", "x86", "x32", "x86_64", "aarch64", "i386",
	"mips", "mipsle", "mips64", "mips64le", "mips64n32", "mips64len32", "mipsel",
	"mipsel64", "mipsel64n32", "ppc", "ppc64", "ppc64le", "s390", "s390x",
	"parisc", "parisc64", "riscv64", "loong64", "loongarch64", "m68k", "sh", "sheb",
};

static bool go_arch_known(const char *n)
{
	for (size_t i = 0; i < sizeof(go_arches) / sizeof(go_arches[0]); i++)
		if (!strcmp(n, go_arches[i]))
			return true;
	return false;
}

static bool go_arch_is_native(const char *n, enum cp_arch native)
{
	if (native == CP_ARCH_AARCH64)
		return !strcmp(n, "arm64") || !strcmp(n, "aarch64");
	return !strcmp(n, "amd64") || !strcmp(n, "x86_64");
}

static int parse_action(struct imp *im, const char *path, json_object *o,
			json_object *errno_ret, const char *errno_path, struct cp_action *a)
{
	const char *s;
	unsigned span;

	memset(a, 0, sizeof(*a));
	a->loc = loc_of(im, &span, "%s", path);
	if (!o || !json_object_is_type(o, json_type_string)) {
		IMP_ERR(im, path, "action must be a string such as \"SCMP_ACT_ERRNO\"");
		return -EINVAL;
	}
	s = json_object_get_string(o);
	if (!strcmp(s, "SCMP_ACT_ALLOW"))
		a->kind = CP_ACT_ALLOW;
	else if (!strcmp(s, "SCMP_ACT_LOG"))
		a->kind = CP_ACT_LOG;
	else if (!strcmp(s, "SCMP_ACT_KILL_PROCESS"))
		a->kind = CP_ACT_KILL_PROCESS;
	else if (!strcmp(s, "SCMP_ACT_KILL") || !strcmp(s, "SCMP_ACT_KILL_THREAD"))
		a->kind = CP_ACT_KILL_THREAD;
	else if (!strcmp(s, "SCMP_ACT_TRAP"))
		a->kind = CP_ACT_TRAP;
	else if (!strcmp(s, "SCMP_ACT_NOTIFY"))
		a->kind = CP_ACT_NOTIFY;
	else if (!strcmp(s, "SCMP_ACT_ERRNO")) {
		a->kind = CP_ACT_ERRNO;
		a->errno_val = 1;   /* runc's default: EPERM */
		if (errno_ret) {
			int64_t v;

			if (!json_object_is_type(errno_ret, json_type_int) ||
			    (v = json_object_get_int64(errno_ret)) < 0 || v > 4095) {
				IMP_ERR(im, errno_path, "errnoRet must be an integer in 0..4095");
				return -EINVAL;
			}
			a->errno_val = (int32_t)v;
		}
	} else if (!strcmp(s, "SCMP_ACT_TRACE")) {
		/* nothing traces a compart sandbox, and with no tracer the
		 * kernel fails a SECCOMP_RET_TRACE call with ENOSYS */
		a->kind = CP_ACT_ERRNO;
		a->errno_val = ENOSYS;
		IMP_NOTE(im, path, "SCMP_ACT_TRACE imported as errno(ENOSYS), what the kernel "
			 "returns when no tracer is attached");
	} else {
		IMP_ERR(im, path, "unknown action '%s'", s);
		return -EINVAL;
	}
	return 0;
}

static bool get_u64(json_object *o, uint64_t *v)
{
	if (!o || !json_object_is_type(o, json_type_int))
		return false;
	if (json_object_get_int64(o) < 0)
		return false;
	*v = json_object_get_uint64(o);
	return true;
}

static int parse_kernel(const char *s, uint32_t *maj, uint32_t *min)
{
	char *end;
	unsigned long a, b;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	a = strtoul(s, &end, 10);
	if (*end != '.' || !isdigit((unsigned char)end[1]))
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (a > 100000 || b > 100000)
		return -EINVAL;
	/* "6.1" or "6.1.12-foo": only major.minor matter */
	if (*end && *end != '.' && *end != '-' && *end != '+')
		return -EINVAL;
	*maj = (uint32_t)a;
	*min = (uint32_t)b;
	return 0;
}

static bool caps_granted(const struct imp *im, const char *name, bool *known)
{
	char low[64];
	cap_value_t v;
	size_t i;

	*known = false;
	for (i = 0; name[i] && i + 1 < sizeof(low); i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[i] = '\0';
	if (strncmp(low, "cap_", 4) != 0 || cap_from_name(low, &v) < 0 || v < 0 || v > 63)
		return false;
	*known = true;
	return (im->opts->caps >> v) & 1;
}

/* Does the rule at `path` apply?  1 yes, 0 no, -EINVAL malformed. */
static int filter_applies(struct imp *im, const char *path, json_object *rule)
{
	static const char *const kinds[] = { "includes", "excludes" };

	for (int k = 0; k < 2; k++) {
		bool incl = k == 0;
		json_object *f, *caps, *arches, *mk;
		char fp[300];

		if (!json_object_object_get_ex(rule, kinds[k], &f) || json_object_is_type(f, json_type_null))
			continue;
		pathf(fp, sizeof(fp), "%s/%s", path, kinds[k]);
		if (!json_object_is_type(f, json_type_object)) {
			IMP_ERR(im, fp, "%s must be an object", kinds[k]);
			return -EINVAL;
		}
		if (json_object_object_get_ex(f, "caps", &caps) && !json_object_is_type(caps, json_type_null)) {
			bool all = true, any = false;

			if (!json_object_is_type(caps, json_type_array)) {
				IMP_ERR(im, fp, "caps must be an array of capability names");
				return -EINVAL;
			}
			for (size_t i = 0; i < json_object_array_length(caps); i++) {
				json_object *c = json_object_array_get_idx(caps, i);
				char cp[320];
				bool known, g;

				pathf(cp, sizeof(cp), "%s/caps/%zu", fp, i);
				if (!json_object_is_type(c, json_type_string)) {
					IMP_ERR(im, cp, "capability names are strings");
					return -EINVAL;
				}
				g = caps_granted(im, json_object_get_string(c), &known);
				if (!known) {
					IMP_ERR(im, cp, "unknown capability '%s'", json_object_get_string(c));
					return -EINVAL;
				}
				all = all && g;
				any = any || g;
			}
			if (json_object_array_length(caps) && (incl ? !all : any))
				return 0;
		}
		if (json_object_object_get_ex(f, "arches", &arches) && !json_object_is_type(arches, json_type_null)) {
			bool match = false;

			if (!json_object_is_type(arches, json_type_array)) {
				IMP_ERR(im, fp, "arches must be an array");
				return -EINVAL;
			}
			for (size_t i = 0; i < json_object_array_length(arches); i++) {
				json_object *a = json_object_array_get_idx(arches, i);
				char ap[320];
				const char *an;

				pathf(ap, sizeof(ap), "%s/arches/%zu", fp, i);
				if (!json_object_is_type(a, json_type_string) ||
				    !go_arch_known(an = json_object_get_string(a))) {
					IMP_ERR(im, ap, "unknown architecture '%s'",
						json_object_is_type(a, json_type_string) ?
						json_object_get_string(a) : "?");
					return -EINVAL;
				}
				match = match || go_arch_is_native(an, im->native);
			}
			if (json_object_array_length(arches) && (incl ? !match : match))
				return 0;
		}
		if (json_object_object_get_ex(f, "minKernel", &mk) && !json_object_is_type(mk, json_type_null)) {
			uint32_t maj, min;
			bool atleast;
			char mp[320];

			pathf(mp, sizeof(mp), "%s/minKernel", fp);
			if (!json_object_is_type(mk, json_type_string) ||
			    parse_kernel(json_object_get_string(mk), &maj, &min)) {
				IMP_ERR(im, mp, "minKernel must be a version such as \"4.8\"");
				return -EINVAL;
			}
			atleast = im->kmaj > maj || (im->kmaj == maj && im->kmin >= min);
			if (incl ? !atleast : atleast)
				return 0;
		}
	}
	return 1;
}

static int parse_args(struct imp *im, const char *path, json_object *args,
		      struct cp_arg_cond **out, size_t *nout)
{
	static const struct { const char *name; enum cp_cmp_op op; } ops[] = {
		{ "SCMP_CMP_NE", CP_CMP_NE }, { "SCMP_CMP_LT", CP_CMP_LT },
		{ "SCMP_CMP_LE", CP_CMP_LE }, { "SCMP_CMP_EQ", CP_CMP_EQ },
		{ "SCMP_CMP_GE", CP_CMP_GE }, { "SCMP_CMP_GT", CP_CMP_GT },
		{ "SCMP_CMP_MASKED_EQ", CP_CMP_MASKED_EQ },
	};
	size_t n;
	struct cp_arg_cond *c;
	char ap[320];

	*out = NULL;
	*nout = 0;
	if (!args || json_object_is_type(args, json_type_null))
		return 0;
	pathf(ap, sizeof(ap), "%s/args", path);
	if (!json_object_is_type(args, json_type_array)) {
		IMP_ERR(im, ap, "args must be an array");
		return -EINVAL;
	}
	n = json_object_array_length(args);
	if (n == 0)
		return 0;
	if (n > 64) {
		IMP_ERR(im, ap, "too many argument conditions (%zu)", n);
		return -EINVAL;
	}
	c = calloc(n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *a = json_object_array_get_idx(args, i), *idx, *val, *val2, *op;
		char p[360], pp[400];
		uint64_t index, v1 = 0, v2 = 0;
		size_t k;

		pathf(p, sizeof(p), "%s/%zu", ap, i);
		c[i].loc = loc_of(im, NULL, "%s", p);
		if (!json_object_is_type(a, json_type_object)) {
			IMP_ERR(im, p, "an argument condition must be an object");
			goto bad;
		}
		pathf(pp, sizeof(pp), "%s/index", p);
		if (!json_object_object_get_ex(a, "index", &idx) || !get_u64(idx, &index) || index > 5) {
			IMP_ERR(im, json_object_object_get_ex(a, "index", &idx) ? pp : p,
				"argument index must be an integer in 0..5");
			goto bad;
		}
		pathf(pp, sizeof(pp), "%s/value", p);
		if (json_object_object_get_ex(a, "value", &val) && !get_u64(val, &v1)) {
			IMP_ERR(im, pp, "value must be an unsigned 64-bit integer");
			goto bad;
		}
		pathf(pp, sizeof(pp), "%s/valueTwo", p);
		if (json_object_object_get_ex(a, "valueTwo", &val2) && !get_u64(val2, &v2)) {
			IMP_ERR(im, pp, "valueTwo must be an unsigned 64-bit integer");
			goto bad;
		}
		pathf(pp, sizeof(pp), "%s/op", p);
		if (!json_object_object_get_ex(a, "op", &op) || !json_object_is_type(op, json_type_string)) {
			IMP_ERR(im, json_object_object_get_ex(a, "op", &op) ? pp : p,
				"op must be a string such as \"SCMP_CMP_EQ\"");
			goto bad;
		}
		for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
			if (!strcmp(json_object_get_string(op), ops[k].name))
				break;
		if (k == sizeof(ops) / sizeof(ops[0])) {
			IMP_ERR(im, pp, "unknown comparison '%s'", json_object_get_string(op));
			goto bad;
		}
		c[i].arg = (uint8_t)index;
		c[i].op = ops[k].op;
		if (c[i].op == CP_CMP_MASKED_EQ) {
			/* OCI and libseccomp: (arg & value) == valueTwo */
			c[i].mask = v1;
			c[i].value = v2;
		} else {
			c[i].value = v1;
		}
	}
	*out = c;
	*nout = n;
	return 0;
bad:
	free(c);
	return -EINVAL;
}

static bool name_on_any_arch(const char *name, uint32_t arches)
{
	for (uint32_t bit = 1; bit <= CP_ARCH_AARCH64; bit <<= 1)
		if ((arches & bit) &&
		    seccomp_syscall_resolve_name_arch(cp_arch_token((enum cp_arch)bit), name) >= 0)
			return true;
	return false;
}

static int add_rules(struct imp *im, const char *path, json_object *rule)
{
	struct cp_seccomp *sc = &im->p->seccomp;
	json_object *names, *name, *action, *eret = NULL, *args = NULL;
	struct cp_arg_cond *conds = NULL;
	struct cp_action act;
	size_t nconds = 0, nnames;
	char np[320], ap[320], ep[320];
	int rc;

	if (!json_object_is_type(rule, json_type_object)) {
		IMP_ERR(im, path, "a syscalls entry must be an object");
		return -EINVAL;
	}
	rc = filter_applies(im, path, rule);
	if (rc <= 0)
		return rc;
	pathf(ap, sizeof(ap), "%s/action", path);
	pathf(ep, sizeof(ep), "%s/errnoRet", path);
	json_object_object_get_ex(rule, "errnoRet", &eret);
	if (!json_object_object_get_ex(rule, "action", &action)) {
		IMP_ERR(im, path, "syscalls entry without an action");
		return -EINVAL;
	}
	rc = parse_action(im, ap, action, eret, ep, &act);
	if (rc)
		return rc;
	json_object_object_get_ex(rule, "args", &args);
	rc = parse_args(im, path, args, &conds, &nconds);
	if (rc)
		return rc;

	/* "names": [...], or the older single "name" */
	if (json_object_object_get_ex(rule, "names", &names)) {
		pathf(np, sizeof(np), "%s/names", path);
		if (!json_object_is_type(names, json_type_array)) {
			IMP_ERR(im, np, "names must be an array of syscall names");
			rc = -EINVAL;
			goto out;
		}
		nnames = json_object_array_length(names);
	} else if (json_object_object_get_ex(rule, "name", &name)) {
		names = NULL;
		nnames = 1;
	} else {
		IMP_ERR(im, path, "syscalls entry without names");
		rc = -EINVAL;
		goto out;
	}

	for (size_t i = 0; i < nnames; i++) {
		json_object *no = names ? json_object_array_get_idx(names, i) : name;
		struct cp_sys_rule *r;
		char npath[340];
		const char *nm;

		if (names)
			pathf(npath, sizeof(npath), "%s/names/%zu", path, i);
		else
			pathf(npath, sizeof(npath), "%s/name", path);
		if (!json_object_is_type(no, json_type_string) || !*(nm = json_object_get_string(no))) {
			IMP_ERR(im, npath, "a syscall name must be a non-empty string");
			rc = -EINVAL;
			goto out;
		}
		if (!name_on_any_arch(nm, sc->arches)) {
			IMP_NOTE(im, npath, "'%s' is not a syscall on any selected architecture; skipped", nm);
			continue;
		}
		r = realloc(sc->rules, (sc->nrules + 1) * sizeof(*r));
		if (!r) {
			rc = -ENOMEM;
			goto out;
		}
		sc->rules = r;
		r = &sc->rules[sc->nrules];
		memset(r, 0, sizeof(*r));
		r->name = strdup(nm);
		if (!r->name) {
			rc = -ENOMEM;
			goto out;
		}
		sc->nrules++;
		r->action = act;
		r->loc = loc_of(im, NULL, "%s", npath);
		if (nconds) {
			r->conds = calloc(nconds, sizeof(*r->conds));
			if (!r->conds) {
				rc = -ENOMEM;
				goto out;
			}
			memcpy(r->conds, conds, nconds * sizeof(*conds));
			r->nconds = nconds;
		}
	}
out:
	free(conds);
	return rc;
}

static int add_arch(struct imp *im, const char *path, json_object *o)
{
	enum cp_arch a = 0;
	int k;

	if (!json_object_is_type(o, json_type_string) ||
	    (k = scmp_arch(json_object_get_string(o), &a)) < 0) {
		IMP_ERR(im, path, "unknown architecture '%s'",
			json_object_is_type(o, json_type_string) ? json_object_get_string(o) : "?");
		return -EINVAL;
	}
	if (k == 0 || !(a & cp_arch_compat_mask(im->native))) {
		IMP_NOTE(im, path, "%s cannot run beside native %s; its syscalls will meet "
			 "the bad-architecture action", json_object_get_string(o),
			 cp_arch_name(im->native));
		return 0;
	}
	im->p->seccomp.arches |= (uint32_t)a;
	return 0;
}

static int parse_arches(struct imp *im, const char *base, json_object *sec)
{
	json_object *arches, *amap;
	char p[300];

	if (json_object_object_get_ex(sec, "architectures", &arches) &&
	    !json_object_is_type(arches, json_type_null)) {
		pathf(p, sizeof(p), "%s/architectures", base);
		if (!json_object_is_type(arches, json_type_array)) {
			IMP_ERR(im, p, "architectures must be an array");
			return -EINVAL;
		}
		for (size_t i = 0; i < json_object_array_length(arches); i++) {
			char ep[320];

			pathf(ep, sizeof(ep), "%s/%zu", p, i);
			if (add_arch(im, ep, json_object_array_get_idx(arches, i)))
				return -EINVAL;
		}
	}
	if (json_object_object_get_ex(sec, "archMap", &amap) && !json_object_is_type(amap, json_type_null)) {
		pathf(p, sizeof(p), "%s/archMap", base);
		if (!json_object_is_type(amap, json_type_array)) {
			IMP_ERR(im, p, "archMap must be an array");
			return -EINVAL;
		}
		for (size_t i = 0; i < json_object_array_length(amap); i++) {
			json_object *e = json_object_array_get_idx(amap, i), *main, *subs;
			char ep[340];
			enum cp_arch a = 0;
			int k;

			pathf(ep, sizeof(ep), "%s/%zu/architecture", p, i);
			if (!json_object_is_type(e, json_type_object) ||
			    !json_object_object_get_ex(e, "architecture", &main) ||
			    !json_object_is_type(main, json_type_string) ||
			    (k = scmp_arch(json_object_get_string(main), &a)) < 0) {
				IMP_ERR(im, ep, "archMap entries need a known \"architecture\"");
				return -EINVAL;
			}
			/* validate every entry, use only the native one (as Docker does) */
			if (json_object_object_get_ex(e, "subArchitectures", &subs) &&
			    !json_object_is_type(subs, json_type_null)) {
				if (!json_object_is_type(subs, json_type_array)) {
					pathf(ep, sizeof(ep), "%s/%zu/subArchitectures", p, i);
					IMP_ERR(im, ep, "subArchitectures must be an array");
					return -EINVAL;
				}
				for (size_t j = 0; j < json_object_array_length(subs); j++) {
					json_object *s = json_object_array_get_idx(subs, j);
					enum cp_arch sa;
					int sk;

					pathf(ep, sizeof(ep), "%s/%zu/subArchitectures/%zu", p, i, j);
					if (!json_object_is_type(s, json_type_string) ||
					    (sk = scmp_arch(json_object_get_string(s), &sa)) < 0) {
						IMP_ERR(im, ep, "unknown architecture '%s'",
							json_object_is_type(s, json_type_string) ?
							json_object_get_string(s) : "?");
						return -EINVAL;
					}
					if (k == 1 && a == im->native && add_arch(im, ep, s))
						return -EINVAL;
				}
			}
			if (k == 1 && a == im->native)
				im->p->seccomp.arches |= (uint32_t)a;
		}
	}
	return 0;
}

static int parse_flags(struct imp *im, const char *base, json_object *sec)
{
	json_object *flags, *lp;
	char p[300];

	if (json_object_object_get_ex(sec, "listenerPath", &lp) && !json_object_is_type(lp, json_type_null)) {
		pathf(p, sizeof(p), "%s/listenerPath", base);
		IMP_NOTE(im, p, "listenerPath ignored: compart-run supervises notifications itself");
	}
	if (!json_object_object_get_ex(sec, "flags", &flags) || json_object_is_type(flags, json_type_null))
		return 0;
	pathf(p, sizeof(p), "%s/flags", base);
	if (!json_object_is_type(flags, json_type_array)) {
		IMP_ERR(im, p, "flags must be an array");
		return -EINVAL;
	}
	for (size_t i = 0; i < json_object_array_length(flags); i++) {
		json_object *f = json_object_array_get_idx(flags, i);
		const char *s = json_object_is_type(f, json_type_string) ? json_object_get_string(f) : "";
		char fp[320];

		pathf(fp, sizeof(fp), "%s/%zu", p, i);
		if (!strcmp(s, "SECCOMP_FILTER_FLAG_LOG"))
			im->p->seccomp.log_denials = true;
		else if (!strcmp(s, "SECCOMP_FILTER_FLAG_TSYNC"))
			continue;   /* compart-run always loads with TSYNC */
		else if (!strcmp(s, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") ||
			 !strcmp(s, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"))
			IMP_NOTE(im, fp, "%s ignored", s);
		else {
			IMP_ERR(im, fp, "unknown seccomp flag '%s'", s);
			return -EINVAL;
		}
	}
	return 0;
}

static char *stem_of(const char *fname)
{
	const char *b = strrchr(fname, '/');
	size_t n;
	char *s;

	b = b ? b + 1 : fname;
	n = strlen(b);
	if (n > 5 && !strcmp(b + n - 5, ".json"))
		n -= 5;
	s = strndup(b, n ? n : 1);
	return s;
}

static int import_tree(struct imp *im, json_object *root)
{
	json_object *sec = root, *linux_o, *def, *derr = NULL, *calls;
	const char *base = "";
	struct cp_seccomp *sc = &im->p->seccomp;
	int rc;

	if (!json_object_is_type(root, json_type_object)) {
		IMP_ERR(im, "/", "expected a JSON object (an OCI linux.seccomp object or a config.json)");
		return -EINVAL;
	}
	/* a whole config.json: use linux.seccomp */
	if (json_object_object_get_ex(root, "linux", &linux_o)) {
		if (!json_object_is_type(linux_o, json_type_object) ||
		    !json_object_object_get_ex(linux_o, "seccomp", &sec) ||
		    !json_object_is_type(sec, json_type_object)) {
			IMP_ERR(im, "/linux", "config.json has no linux.seccomp object");
			return -EINVAL;
		}
		base = "/linux/seccomp";
	}
	sc->present = true;
	sc->arches = (uint32_t)im->native;
	{
		char p[64], ep[64];

		pathf(p, sizeof(p), "%s/defaultAction", base);
		pathf(ep, sizeof(ep), "%s/defaultErrnoRet", base);
		if (!json_object_object_get_ex(sec, "defaultAction", &def)) {
			IMP_ERR(im, *base ? base : "/", "missing \"defaultAction\"");
			return -EINVAL;
		}
		json_object_object_get_ex(sec, "defaultErrnoRet", &derr);
		rc = parse_action(im, p, def, derr, ep, &sc->default_action);
		if (rc)
			return rc;
	}
	sc->bad_arch_action = (struct cp_action){ .kind = CP_ACT_KILL_PROCESS,
						  .loc = sc->default_action.loc };
	rc = parse_arches(im, base, sec);
	if (!rc)
		rc = parse_flags(im, base, sec);
	if (rc)
		return rc;
	if (json_object_object_get_ex(sec, "syscalls", &calls) && !json_object_is_type(calls, json_type_null)) {
		char p[64];

		pathf(p, sizeof(p), "%s/syscalls", base);
		if (!json_object_is_type(calls, json_type_array)) {
			IMP_ERR(im, p, "syscalls must be an array");
			return -EINVAL;
		}
		for (size_t i = 0; i < json_object_array_length(calls); i++) {
			char rp[96];

			pathf(rp, sizeof(rp), "%s/%zu", p, i);
			rc = add_rules(im, rp, json_object_array_get_idx(calls, i));
			if (rc == -ENOMEM)
				return rc;
		}
	}
	return im->errors ? -EINVAL : 0;
}

static int running_kernel(uint32_t *maj, uint32_t *min)
{
	struct utsname u;

	if (uname(&u) < 0)
		return -errno;
	return parse_kernel(u.release, maj, min);
}

int cp_import_oci_buf(const char *fname, const char *buf, size_t len,
		      const struct cp_import_opts *opts, struct cp_diag *diag,
		      struct cp_policy **out)
{
	static const struct cp_import_opts defaults = { 0 };
	struct imp im = { .diag = diag };
	struct json_tokener *tok;
	json_object *root;
	enum json_tokener_error jerr;
	char path[600] = "";
	int rc;

	if (!fname || (!buf && len) || !out)
		return -EINVAL;
	*out = NULL;
	im.opts = opts ? opts : &defaults;
	im.native = im.opts->native ? im.opts->native : CP_ARCH_X86_64;
	if (im.native != CP_ARCH_X86_64 && im.native != CP_ARCH_AARCH64)
		return -EINVAL;
	if (im.opts->kernel_major) {
		im.kmaj = im.opts->kernel_major;
		im.kmin = im.opts->kernel_minor;
	} else if ((rc = running_kernel(&im.kmaj, &im.kmin)) != 0) {
		return rc;
	}
	if (len > INT32_MAX)
		return -EFBIG;
	rc = cp_diag_add_source(diag, fname, buf ? buf : "", len);
	if (rc)
		return rc;

	im.p = calloc(1, sizeof(*im.p));
	if (!im.p)
		return -ENOMEM;
	im.p->files = calloc(1, sizeof(char *));
	if (!im.p->files || !(im.p->files[0] = strdup(fname)) || !(im.p->name = stem_of(fname))) {
		cp_policy_free(im.p);
		return -ENOMEM;
	}
	im.p->nfiles = 1;
	im.file = im.p->files[0];

	tok = json_tokener_new();
	if (!tok) {
		cp_policy_free(im.p);
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, buf ? buf : "", (int)len);
	jerr = json_tokener_get_error(tok);
	if (!root || jerr != json_tokener_success) {
		size_t off = json_tokener_get_parse_end(tok);
		struct cp_loc loc = cp_diag_loc_at(diag, im.file, off);

		if (jerr == json_tokener_continue || jerr == json_tokener_success)
			cp_error(diag, loc, "JSON: unexpected end of input");
		else
			cp_error(diag, loc, "JSON: %s", json_tokener_error_desc(jerr));
		json_object_put(root);
		json_tokener_free(tok);
		cp_policy_free(im.p);
		return -EINVAL;
	}
	{
		size_t end = json_tokener_get_parse_end(tok);

		while (end < len && strchr(" \t\r\n", buf[end]) && buf[end])
			end++;
		if (end < len) {
			cp_error(diag, cp_diag_loc_at(diag, im.file, end),
				 "JSON: unexpected text after the top-level value");
			json_object_put(root);
			json_tokener_free(tok);
			cp_policy_free(im.p);
			return -EINVAL;
		}
	}
	json_tokener_free(tok);

	im.L = (struct locator){ .s = buf, .len = len, .line = 1 };
	lc_ws(&im.L);
	if (!lc_value(&im.L, path, 0, sizeof(path), 0) && im.L.failed) {
		locator_free(&im.L);
		json_object_put(root);
		cp_policy_free(im.p);
		return -ENOMEM;
	}

	rc = import_tree(&im, root);
	locator_free(&im.L);
	json_object_put(root);
	if (rc) {
		cp_policy_free(im.p);
		return rc;
	}
	*out = im.p;
	return 0;
}

int cp_import_oci(const char *path, const struct cp_import_opts *opts,
		  struct cp_diag *diag, struct cp_policy **out)
{
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	int rc;

	rc = cp_read_file(path, &buf, &len);
	if (rc) {
		struct cp_loc loc = { path, 0, 0 };

		cp_error(diag, loc, "cannot read: %s", strerror(-rc));
		return rc;
	}
	return cp_import_oci_buf(path, buf, len, opts, diag, out);
}
