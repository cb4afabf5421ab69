/* SPDX-License-Identifier: MIT */
/* main.c - compart-run entry point. */
#include "cr.h"

int main(int argc, char **argv)
{
	struct cp_run_opts o;

	cr_parse_args(argc, argv, &o);
	if (o.probe)
		return cr_probe_main(&o);
	return cr_run_main(&o);
}
