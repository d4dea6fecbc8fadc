/* logfile.h: per-start log files, LOG_DIR/<alias>_<unix-seconds>.log. */
#ifndef SOLAR_LOGFILE_H
#define SOLAR_LOGFILE_H

#include <stddef.h>
#include <time.h>

/* The file name for alias: [A-Za-z0-9._-] kept, every other byte '-', so
 * that it never leaves dir (no '/' survives, and "_<seconds>.log" follows,
 * so "." or ".." never name a directory).  Allocated. */
char	*logfile_path(const char *dir, const char *alias, time_t);
/* Create dir (mode 0755) if missing and open path for append (0644,
 * close-on-exec).  The fd, or -1 with the reason in err. */
int	 logfile_open(const char *dir, const char *path, char *err, size_t errlen);

#endif
