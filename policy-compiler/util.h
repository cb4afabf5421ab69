/* SPDX-License-Identifier: MIT */
/* util.h - small helpers shared by the front-end files (internal). */
#ifndef CP_UTIL_H
#define CP_UTIL_H

#include <stddef.h>
#include <stdlib.h>

/* Largest profile / groups file accepted. */
#define CP_MAX_FILE_SIZE (1u << 20)

/* Read a whole regular file (at most CP_MAX_FILE_SIZE).  The buffer is
 * NUL-terminated.  Returns 0 or -errno (-EFBIG when too large). */
int cp_read_file(const char *path, char **buf, size_t *len);

static inline void cp_freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ __attribute__((cleanup(cp_freep)))

/* Take ownership out of a cleanup variable. */
#define cp_steal(pp) ({ __typeof__(*(pp)) _s = *(pp); *(pp) = NULL; _s; })

#endif
