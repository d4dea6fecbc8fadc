/*
 * logfile.h: per-start log files, LOG_DIR/<alias>_<unix-seconds>.log,
 * rotated by size: the file being written keeps that name, the older
 * pieces get ".1" (the newest) to ".<keep>" appended.
 */
#ifndef SOLAR_LOGFILE_H
#define SOLAR_LOGFILE_H

#include <sys/types.h>

#include <stddef.h>
#include <time.h>

struct logfile {
	char	*dir;
	char	*path;
	int	 fd;		/* -1 while it cannot be opened */
	off_t	 size;		/* bytes in the file at path */
	off_t	 max;		/* no file passes it */
	int	 keep;		/* rotated pieces kept */
};

/* The file name for alias: [A-Za-z0-9._-] kept, every other byte '-', so
 * that it never leaves dir (no '/' survives, and "_<seconds>.log" follows,
 * so "." or ".." never name a directory).  Allocated. */
char	*logfile_path(const char *dir, const char *alias, time_t);
/* Create dir (mode 0755) if missing and open path for append (0640,
 * close-on-exec, no symbolic link followed, and only a regular file with
 * one link).  The fd, or -1 with the reason in err. */
int	 logfile_open(const char *dir, const char *path, char *err, size_t errlen);

/* This start's file for alias, opened; -1 with the reason in err.  The
 * logfile is to be closed either way. */
int	 logfile_start(struct logfile *, const char *dir, const char *alias,
	    time_t, off_t max, int keep, char *err, size_t errlen);
/* Append all of buf, rotating first whenever the file would pass max, so
 * a line longer than max is spread over pieces.  -1 with the reason in
 * err when some of it could not be written. */
int	 logfile_write(struct logfile *, const char *buf, size_t len,
	    char *err, size_t errlen);
/* Open the file by its name again (after an outside rotation). */
int	 logfile_reopen(struct logfile *, char *err, size_t errlen);
void	 logfile_close(struct logfile *);

#endif
