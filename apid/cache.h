/* cache.h: every instance, as the supervisor last sent it (cache.c). */
#ifndef SOLAR_CACHE_H
#define SOLAR_CACHE_H

#include <stddef.h>

struct cache;
struct evbuffer;
struct instance;
struct runtime;

struct cache	*cache_new(void);
void		 cache_free(struct cache *);
int		 cache_put(struct cache *, const struct instance *);
void		 cache_remove(struct cache *, const char *id);
const char	*cache_get_json(struct cache *, const char *id, size_t *len);
int		 cache_list_add(struct cache *, struct evbuffer *);
char		*instance_json(const struct instance *, size_t *len);
struct runtime	*cache_runtime(struct cache *, const char *id);

#endif
