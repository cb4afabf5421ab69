/* SPDX-License-Identifier: MIT */
/* groups.h - named syscall groups (@system-service ...) (internal). */
#ifndef CP_GROUPS_H
#define CP_GROUPS_H

#include <stddef.h>

#include "diag.h"

struct cp_group {
	char *name;              /* with the leading '@' */
	char *desc;              /* one line */
	char **members;          /* syscall names or @group references */
	struct cp_loc *mloc;
	size_t nmembers;
	struct cp_loc loc;
};

struct cp_groups {
	char *file;
	struct cp_group *v;
	size_t n;
};

/* Parse a groups file (already read).  `file` is copied.  Checks nesting
 * cycles and unknown references. */
int cp_groups_parse(const char *file, const char *text, size_t len,
		    struct cp_diag *d, struct cp_groups *out);
void cp_groups_free(struct cp_groups *g);
const struct cp_group *cp_group_find(const struct cp_groups *g, const char *name);

/* Expand a group to syscall names (nested groups flattened, duplicates
 * removed, first-seen order).  The strings belong to `g`. */
int cp_group_expand(const struct cp_groups *g, const struct cp_group *grp,
		    const char ***names, size_t *n);

#endif
