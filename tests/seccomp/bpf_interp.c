/* SPDX-License-Identifier: MIT */
/*
 * bpf_interp.c - classic BPF as the kernel runs seccomp filters: 32-bit
 * A and X, 16 scratch words, absolute word loads from struct seccomp_data
 * (aligned, in bounds), forward jumps only.
 */
#include <errno.h>
#include <string.h>

#include "bpf_interp.h"

int bpf_interp_run(const struct sock_filter *prog, size_t len,
		   const struct seccomp_data *d, uint32_t *ret,
		   struct bpf_interp_trace *trace)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };
	unsigned char data[sizeof(*d)];
	size_t pc = 0;

	memcpy(data, d, sizeof(data));
	if (trace)
		memset(trace, 0, sizeof(*trace));
	while (pc < len) {
		const struct sock_filter *f = &prog[pc++];
		uint32_t src = BPF_SRC(f->code) == BPF_X ? x : f->k;

		if (trace)
			trace->steps++;
		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX: {
			uint32_t v;

			switch (BPF_MODE(f->code)) {
			case BPF_ABS:
				if (BPF_SIZE(f->code) != BPF_W || f->k % 4 || f->k + 4 > sizeof(data))
					return -EINVAL;
				memcpy(&v, data + f->k, 4);
				if (trace)
					trace->read_mask |= 1ull << (f->k / 4);
				break;
			case BPF_IMM: v = f->k; break;
			case BPF_LEN: v = sizeof(data); break;
			case BPF_MEM:
				if (f->k >= BPF_MEMWORDS)
					return -EINVAL;
				v = mem[f->k];
				break;
			default:
				return -EINVAL;
			}
			if (BPF_CLASS(f->code) == BPF_LD)
				a = v;
			else
				x = v;
			break;
		}
		case BPF_ST:
		case BPF_STX:
			if (f->k >= BPF_MEMWORDS)
				return -EINVAL;
			mem[f->k] = BPF_CLASS(f->code) == BPF_ST ? a : x;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: a += src; break;
			case BPF_SUB: a -= src; break;
			case BPF_MUL: a *= src; break;
			case BPF_DIV: if (!src) { *ret = 0; return 0; } a /= src; break;
			case BPF_MOD: if (!src) { *ret = 0; return 0; } a %= src; break;
			case BPF_OR:  a |= src; break;
			case BPF_AND: a &= src; break;
			case BPF_XOR: a ^= src; break;
			case BPF_LSH: a = src >= 32 ? 0 : a << src; break;
			case BPF_RSH: a = src >= 32 ? 0 : a >> src; break;
			case BPF_NEG: a = -a; break;
			default: return -EINVAL;
			}
			break;
		case BPF_JMP: {
			int taken;

			if (BPF_OP(f->code) == BPF_JA) {
				if (f->k >= len - pc)
					return -EINVAL;
				pc += f->k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ:  taken = a == src; break;
			case BPF_JGT:  taken = a > src; break;
			case BPF_JGE:  taken = a >= src; break;
			case BPF_JSET: taken = (a & src) != 0; break;
			default: return -EINVAL;
			}
			pc += taken ? f->jt : f->jf;
			if (pc >= len)
				return -EINVAL;
			break;
		}
		case BPF_RET:
			*ret = BPF_RVAL(f->code) == BPF_A ? a : f->k;
			return 0;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		default:
			return -EINVAL;
		}
	}
	return -EINVAL;
}
