/* test_memview.c: GET /memory's body from the supervisor's figures. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "memview.h"
#include "proto.h"
#include "t.h"

#define GIB	((uint64_t)1024 * 1024 * 1024)

static void	json_is(uint64_t, uint64_t, int, const char *);
static void	test_pyjson(void);

static void
json_is(uint64_t used, uint64_t total, int vram, const char *want)
{
	struct msg_memory	 m;
	char			 buf[256];

	m.ok = 1;
	m.vram = (uint8_t)vram;
	m.used = used;
	m.total = total;
	memset(buf, 'x', sizeof(buf));
	memview_json(&m, buf, sizeof(buf));
	CHECK_STR(buf, want);
}

static void
test_pyjson(void)
{
	struct msg_memory	 m;
	char			 small[10];

	json_is(3 * GIB, 8 * GIB, 0,
	    "{\"used_gb\":3.0,\"total_gb\":8.0,\"percent\":37.5,"
	    "\"memory_type\":\"RAM\"}");
	/* Python: round(1234567890 / 1024**3, 2) == 1.15, 16.0, 7.19. */
	json_is(1234567890, 17179869184ULL, 1,
	    "{\"used_gb\":1.15,\"total_gb\":16.0,\"percent\":7.19,"
	    "\"memory_type\":\"VRAM\"}");
	/* Exact halves go to even, as Python's round does: 0.125 -> 0.12,
	 * 0.375 -> 0.38; percent 18.75 kept. */
	json_is(GIB / 8, GIB, 0,
	    "{\"used_gb\":0.12,\"total_gb\":1.0,\"percent\":12.5,"
	    "\"memory_type\":\"RAM\"}");
	json_is(3 * GIB / 8, 2 * GIB, 1,
	    "{\"used_gb\":0.38,\"total_gb\":2.0,\"percent\":18.75,"
	    "\"memory_type\":\"VRAM\"}");
	/* percent 0.125 exactly -> 0.12; 16777216 bytes -> 0.02 GB. */
	json_is(16777216, 13421772800ULL, 0,
	    "{\"used_gb\":0.02,\"total_gb\":12.5,\"percent\":0.12,"
	    "\"memory_type\":\"RAM\"}");
	json_is(0, 0, 0,
	    "{\"used_gb\":0.0,\"total_gb\":0.0,\"percent\":0.0,"
	    "\"memory_type\":\"RAM\"}");
	json_is(24 * GIB, 24 * GIB, 1,
	    "{\"used_gb\":24.0,\"total_gb\":24.0,\"percent\":100.0,"
	    "\"memory_type\":\"VRAM\"}");
	/* A short buffer: cut, still a string. */
	m.ok = 1;
	m.vram = 0;
	m.used = 3 * GIB;
	m.total = 8 * GIB;
	memset(small, 'x', sizeof(small));
	memview_json(&m, small, sizeof(small));
	CHECK(memchr(small, '\0', sizeof(small)) != NULL);
	CHECK_STR(small, "{\"used_gb");
}

int
main(void)
{
	test_pyjson();
	T_DONE();
}
