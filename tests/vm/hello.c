/* SPDX-License-Identifier: MIT */
/* A tiny static program for exec tests: its own inode (busybox applets
 * all share one), exits 0. */
int main(void)
{
	return 0;
}
