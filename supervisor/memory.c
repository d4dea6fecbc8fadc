/* memory.c: the GET /memory figures: NVML's VRAM, else /proc/meminfo's RAM. */
#include <sys/types.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memory.h"

#define MEMORY_MEMINFO_MAX	65536

/* The few NVML declarations used; nvml.h is not needed at build time. */
#define NVML_SUCCESS		0

struct nvml_device;

struct nvml_memory {
	unsigned long long	 total;
	unsigned long long	 free;
	unsigned long long	 used;
};

enum nvml_state {
	NVML_UNTRIED = 0,
	NVML_ABSENT,		/* no library (or not a usable one) */
	NVML_LOADED,		/* loaded, not initialised */
	NVML_READY,		/* loaded and initialised */
};

/*
 * The one NVML handle of the process.  Initialising NVML is slow, so it is
 * done once and kept for every later reading of the sampler.
 */
static struct nvml {
	enum nvml_state	 state;
	void		*dl;
	int		(*init)(void);
	int		(*count)(unsigned int *);
	int		(*handle)(unsigned int, struct nvml_device **);
	int		(*meminfo)(struct nvml_device *, struct nvml_memory *);
	int		(*shutdown)(void);
} nvml;

static int	meminfo_field(const char *, size_t, const char *, uint64_t *);
static int	nvml_load(struct nvml *);
static int	memory_read_nvml(struct memfig *);
static int	memory_read_meminfo(struct memfig *);

/*
 * The value of the line "key   N kB", in bytes: 1 when found, 0 when
 * absent, -1 when the line is there but not of that form.
 */
static int
meminfo_field(const char *buf, size_t len, const char *key, uint64_t *out)
{
	const char	*p, *end, *next;
	size_t		 klen = strlen(key);
	uint64_t	 v;
	int		 digits;

	for (p = buf; p < buf + len; p = next) {
		if ((end = memchr(p, '\n', (size_t)(buf + len - p))) == NULL)
			end = next = buf + len;
		else
			next = end + 1;
		if ((size_t)(end - p) < klen || memcmp(p, key, klen) != 0)
			continue;
		p += klen;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		v = 0;
		for (digits = 0; p < end && *p >= '0' && *p <= '9'; p++) {
			if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
				return -1;
			v = v * 10 + (uint64_t)(*p - '0');
			digits++;
		}
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (digits == 0 || end - p < 2 || p[0] != 'k' || p[1] != 'B')
			return -1;
		for (p += 2; p < end && (*p == ' ' || *p == '\t'); p++)
			continue;
		if (p != end || v > UINT64_MAX / 1024)
			return -1;
		*out = v * 1024;
		return 1;
	}
	return 0;
}

int
memory_parse_meminfo(const char *buf, size_t len, struct memfig *m)
{
	uint64_t	 total, avail;

	if (meminfo_field(buf, len, "MemTotal:", &total) != 1 ||
	    meminfo_field(buf, len, "MemAvailable:", &avail) != 1 ||
	    avail > total)
		return -1;
	m->ok = 1;
	m->vram = 0;
	m->total = total;
	m->used = total - avail;
	return 0;
}

/* dlopen at run time: the daemon must start where no NVIDIA driver is. */
static int
nvml_load(struct nvml *n)
{
	if ((n->dl = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL)) ==
	    NULL)
		return -1;
	n->init = (int (*)(void))dlsym(n->dl, "nvmlInit_v2");
	n->count = (int (*)(unsigned int *))dlsym(n->dl,
	    "nvmlDeviceGetCount_v2");
	n->handle = (int (*)(unsigned int, struct nvml_device **))dlsym(n->dl,
	    "nvmlDeviceGetHandleByIndex_v2");
	n->meminfo = (int (*)(struct nvml_device *, struct nvml_memory *))
	    dlsym(n->dl, "nvmlDeviceGetMemoryInfo");
	n->shutdown = (int (*)(void))dlsym(n->dl, "nvmlShutdown");
	if (n->init == NULL || n->count == NULL || n->handle == NULL ||
	    n->meminfo == NULL || n->shutdown == NULL) {
		dlclose(n->dl);
		n->dl = NULL;
		return -1;
	}
	return 0;
}

/* VRAM summed over every GPU; 0, or -1 when NVML gives nothing. */
static int
memory_read_nvml(struct memfig *m)
{
	struct nvml		*n = &nvml;
	struct nvml_device	*dev;
	struct nvml_memory	 mem;
	unsigned int		 count, i;
	uint64_t		 total = 0, used = 0;

	if (n->state == NVML_UNTRIED)
		n->state = nvml_load(n) == 0 ? NVML_LOADED : NVML_ABSENT;
	if (n->state == NVML_ABSENT)
		return -1;
	/* Tried again on each reading: the driver may come up later. */
	if (n->state == NVML_LOADED) {
		if (n->init() != NVML_SUCCESS)
			return -1;
		n->state = NVML_READY;
	}
	if (n->count(&count) != NVML_SUCCESS)
		goto lost;
	for (i = 0; i < count; i++) {
		if (n->handle(i, &dev) != NVML_SUCCESS ||
		    n->meminfo(dev, &mem) != NVML_SUCCESS)
			goto lost;
		total += mem.total;
		used += mem.used;
	}
	/* A driver without GPUs: RAM is the better answer. */
	if (count == 0 || total == 0)
		return -1;
	m->ok = 1;
	m->vram = 1;
	m->total = total;
	m->used = used;
	return 0;
lost:
	/* A GPU lost or reset: initialise afresh on the next reading. */
	(void)n->shutdown();
	n->state = NVML_LOADED;
	return -1;
}

static int
memory_read_meminfo(struct memfig *m)
{
	char	 buf[MEMORY_MEMINFO_MAX];
	size_t	 len = 0;
	ssize_t	 r;
	int	 fd;

	if ((fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	/* The lines wanted come first; a longer file is cut, not refused. */
	while (len < sizeof(buf)) {
		r = read(fd, buf + len, sizeof(buf) - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	return memory_parse_meminfo(buf, len, m);
}

void
memory_read(struct memfig *m)
{
	memset(m, 0, sizeof(*m));
	if (memory_read_nvml(m) == 0)
		return;
	memset(m, 0, sizeof(*m));
	if (memory_read_meminfo(m) == 0)
		return;
	memset(m, 0, sizeof(*m));
}
