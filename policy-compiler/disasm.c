/* SPDX-License-Identifier: MIT */
/*
 * disasm.c - readable listing of any classic-BPF seccomp program.
 *
 * Besides the instruction itself, each line says what the accumulator
 * holds (nr, arch, an argument half) and names the syscall a number
 * comparison refers to.  Which ABI a comparison belongs to is found by a
 * forward data-flow pass (cBPF jumps only forward): after
 * "jeq #AUDIT_ARCH_X" on the arch field, the taken branch is in ABI X.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "compart.h"
#include "seccomp_internal.h"

#ifndef SECCOMP_RET_KILL_PROCESS
#define SECCOMP_RET_KILL_PROCESS 0x80000000U
#endif
#ifndef SECCOMP_RET_USER_NOTIF
#define SECCOMP_RET_USER_NOTIF 0x7fc00000U
#endif
#ifndef SECCOMP_RET_LOG
#define SECCOMP_RET_LOG 0x7ffc0000U
#endif
#ifndef SECCOMP_RET_ACTION_FULL
#define SECCOMP_RET_ACTION_FULL 0xffff0000U
#endif

enum acc { ACC_UNVISITED = 0, ACC_UNKNOWN, ACC_NR, ACC_ARCH, ACC_OTHER };

struct flow {
	enum acc a;
	uint32_t arch;       /* AUDIT_ARCH_* known on this path, 0 = unknown */
};

static void flow_merge(struct flow *dst, struct flow src)
{
	if (dst->a == ACC_UNVISITED) {
		*dst = src;
		return;
	}
	if (dst->a != src.a)
		dst->a = ACC_UNKNOWN;
	if (dst->arch != src.arch)
		dst->arch = 0;
}

static const char *arch_label(uint32_t tok)
{
	switch (tok) {
	case AUDIT_ARCH_X86_64:  return "x86_64";
	case AUDIT_ARCH_I386:    return "i386";
	case AUDIT_ARCH_AARCH64: return "aarch64";
	case AUDIT_ARCH_ARM:     return "arm";
	}
	return NULL;
}

static const char *field_name(uint32_t k, char *buf, size_t len)
{
	if (k == 0)
		return "nr";
	if (k == 4)
		return "arch";
	if (k == 8 || k == 12)
		return k == 8 ? "instruction_pointer.lo" : "instruction_pointer.hi";
	if (k >= 16 && k < 64 && k % 4 == 0) {
		/* seccomp_data is in host byte order; both targets are little endian */
		snprintf(buf, len, "args[%u].%s", (k - 16) / 8, (k % 8) ? "hi" : "lo");
		return buf;
	}
	return NULL;
}

static void print_ret(FILE *out, uint32_t k)
{
	uint32_t data = k & SECCOMP_RET_DATA;

	switch (k & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_PROCESS: fputs("KILL_PROCESS", out); return;
	case SECCOMP_RET_KILL_THREAD:  fputs("KILL_THREAD", out); return;
	case SECCOMP_RET_TRAP:         fprintf(out, "TRAP(%u)", data); return;
	case SECCOMP_RET_ERRNO:        fprintf(out, "ERRNO(%u)", data); return;
	case SECCOMP_RET_USER_NOTIF:   fputs("NOTIFY", out); return;
	case SECCOMP_RET_TRACE:        fprintf(out, "TRACE(%u)", data); return;
	case SECCOMP_RET_LOG:          fputs("LOG", out); return;
	case SECCOMP_RET_ALLOW:        fputs("ALLOW", out); return;
	}
	fprintf(out, "0x%08" PRIx32, k);
}

/* Name of syscall `nr` in the ABI known at this point, if any. */
static char *syscall_label(uint32_t arch, uint32_t nr, enum cp_arch native)
{
	uint32_t tok = arch;

	if (!tok)
		tok = cp_arch_token(native);
	if (tok == AUDIT_ARCH_X86_64 && (nr & CP_X32_SYSCALL_BIT))
		tok = SCMP_ARCH_X32;
	return seccomp_syscall_resolve_num_arch(tok, (int)nr);
}

static const char *jmp_name(uint16_t code)
{
	switch (BPF_OP(code)) {
	case BPF_JA:   return "ja";
	case BPF_JEQ:  return "jeq";
	case BPF_JGT:  return "jgt";
	case BPF_JGE:  return "jge";
	case BPF_JSET: return "jset";
	}
	return NULL;
}

static const char *alu_name(uint16_t code)
{
	switch (BPF_OP(code)) {
	case BPF_ADD: return "add";
	case BPF_SUB: return "sub";
	case BPF_MUL: return "mul";
	case BPF_DIV: return "div";
	case BPF_MOD: return "mod";
	case BPF_OR:  return "or";
	case BPF_AND: return "and";
	case BPF_XOR: return "xor";
	case BPF_LSH: return "lsh";
	case BPF_RSH: return "rsh";
	case BPF_NEG: return "neg";
	}
	return NULL;
}

int cp_bpf_disasm(const struct cp_bpf_prog *prog, enum cp_arch native, FILE *out)
{
	struct flow *fl;
	size_t n;

	if (!prog || !out || (prog->len && !prog->insns))
		return -EINVAL;
	n = prog->len;
	fl = calloc(n ? n : 1, sizeof(*fl));
	if (!fl)
		return -ENOMEM;
	if (n)
		fl[0] = (struct flow){ ACC_UNKNOWN, 0 };

	fprintf(out, "; seccomp filter: %zu instructions (%zu bytes), native %s; load with TSYNC%s%s\n",
		n, n * sizeof(struct sock_filter), cp_arch_name(native),
		(prog->flags & SECCOMP_FILTER_FLAG_LOG) ? "|LOG" : "",
		(prog->flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) ? "|NEW_LISTENER|TSYNC_ESRCH" : "");
	for (size_t i = 0; i < n; i++) {
		const struct sock_filter *f = &prog->insns[i];
		struct flow s = fl[i], next = s;
		char line[96], note[128] = "", fbuf[32];
		uint16_t cls = BPF_CLASS(f->code);

		if (s.a == ACC_UNVISITED) {
			/* unreachable code: print it but know nothing about it */
			s.a = ACC_UNKNOWN;
			next = s;
		}
		line[0] = '\0';
		switch (cls) {
		case BPF_LD:
		case BPF_LDX: {
			const char *reg = cls == BPF_LD ? "ld " : "ldx";

			if (BPF_MODE(f->code) == BPF_ABS && BPF_SIZE(f->code) == BPF_W) {
				const char *fn = field_name(f->k, fbuf, sizeof(fbuf));

				snprintf(line, sizeof(line), "%s  [%u]", reg, f->k);
				if (fn)
					snprintf(note, sizeof(note), "%s", fn);
				if (cls == BPF_LD)
					next.a = f->k == 0 ? ACC_NR : f->k == 4 ? ACC_ARCH : ACC_OTHER;
			} else if (BPF_MODE(f->code) == BPF_IMM) {
				snprintf(line, sizeof(line), "%s  #%u", reg, f->k);
				if (cls == BPF_LD)
					next.a = ACC_OTHER;
			} else if (BPF_MODE(f->code) == BPF_MEM) {
				snprintf(line, sizeof(line), "%s  M[%u]", reg, f->k);
				if (cls == BPF_LD)
					next.a = ACC_UNKNOWN;
			} else if (BPF_MODE(f->code) == BPF_LEN) {
				snprintf(line, sizeof(line), "%s  #len", reg);
				if (cls == BPF_LD)
					next.a = ACC_OTHER;
			} else {
				snprintf(line, sizeof(line), ".word 0x%04x, %u  ; invalid load", f->code, f->k);
				next.a = ACC_UNKNOWN;
			}
			break;
		}
		case BPF_ST:
		case BPF_STX:
			snprintf(line, sizeof(line), "%s   M[%u]", cls == BPF_ST ? "st" : "stx", f->k);
			break;
		case BPF_ALU: {
			const char *op = alu_name(f->code);

			if (!op)
				snprintf(line, sizeof(line), ".word 0x%04x, %u  ; invalid alu", f->code, f->k);
			else if (BPF_OP(f->code) == BPF_NEG)
				snprintf(line, sizeof(line), "neg");
			else if (BPF_SRC(f->code) == BPF_X)
				snprintf(line, sizeof(line), "%-4s x", op);
			else
				snprintf(line, sizeof(line), "%-4s #0x%x", op, f->k);
			next.a = ACC_OTHER;
			break;
		}
		case BPF_JMP: {
			const char *op = jmp_name(f->code);

			if (!op) {
				snprintf(line, sizeof(line), ".word 0x%04x, %u  ; invalid jump", f->code, f->k);
				break;
			}
			if (BPF_OP(f->code) == BPF_JA) {
				size_t t = i + 1 + f->k;

				snprintf(line, sizeof(line), "ja   %04zu", t);
				if (t < n)
					flow_merge(&fl[t], s);
				break;
			}
			size_t jt = i + 1 + f->jt, jf = i + 1 + f->jf;
			struct flow ft = s, ff = s;

			if (BPF_SRC(f->code) == BPF_X)
				snprintf(line, sizeof(line), "%-4s x  jt %04zu  jf %04zu", op, jt, jf);
			else
				snprintf(line, sizeof(line), "%-4s #0x%x  jt %04zu  jf %04zu", op, f->k, jt, jf);
			if (BPF_SRC(f->code) == BPF_K && s.a == ACC_ARCH && BPF_OP(f->code) == BPF_JEQ) {
				const char *al = arch_label(f->k);

				snprintf(note, sizeof(note), "arch == %s", al ? al : "?");
				ft.arch = f->k;
			} else if (BPF_SRC(f->code) == BPF_K && s.a == ACC_NR) {
				if (s.arch == AUDIT_ARCH_X86_64 && f->k == CP_X32_SYSCALL_BIT &&
				    BPF_OP(f->code) != BPF_JEQ) {
					snprintf(note, sizeof(note), "x32 syscall bit");
				} else if (f->k == 0xffffffffu && BPF_OP(f->code) == BPF_JEQ) {
					snprintf(note, sizeof(note), "nr == -1 (call skipped by a tracer)");
				} else {
					char *name = syscall_label(s.arch, f->k, native);
					const char *rel = BPF_OP(f->code) == BPF_JEQ ? "==" :
						BPF_OP(f->code) == BPF_JGE ? ">=" :
						BPF_OP(f->code) == BPF_JGT ? ">" : "&";
					const char *al = arch_label(s.arch);

					snprintf(note, sizeof(note), "nr %s %s%s%s%s", rel,
						 name ? name : "?", al || !s.arch ? " (" : "",
						 al ? al : !s.arch ? "arch unknown" : "",
						 al || !s.arch ? ")" : "");
					free(name);
				}
			}
			if (jt < n)
				flow_merge(&fl[jt], ft);
			if (jf < n)
				flow_merge(&fl[jf], ff);
			break;
		}
		case BPF_RET:
			if (BPF_RVAL(f->code) == BPF_A)
				snprintf(line, sizeof(line), "ret  a");
			else {
				fprintf(out, "%04zu: ret  ", i);
				print_ret(out, f->k);
				fputc('\n', out);
				continue;
			}
			break;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX) {
				snprintf(line, sizeof(line), "tax");
			} else {
				snprintf(line, sizeof(line), "txa");
				next.a = ACC_UNKNOWN;
			}
			break;
		}
		if (note[0])
			fprintf(out, "%04zu: %-36s ; %s\n", i, line, note);
		else
			fprintf(out, "%04zu: %s\n", i, line);
		if (cls != BPF_RET && !(cls == BPF_JMP) && i + 1 < n)
			flow_merge(&fl[i + 1], next);
	}
	free(fl);
	return ferror(out) ? -EIO : 0;
}
