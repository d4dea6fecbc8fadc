/*
 * docs.c: the two documentation pages, as FastAPI serves them: Swagger UI
 * at /docs and ReDoc at /redoc, both reading /openapi.json.  Each page is
 * one string built at compile time from a template and the place its
 * assets come from, so the CDN and local variants cannot drift apart.
 */
#include "docs.h"

#define CDN_SWAGGER	"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/"
#define CDN_REDOC	"https://cdn.jsdelivr.net/npm/redoc@2/bundles/"
#define LOCAL_ASSETS	"/docs/assets/"

/*
 * persistAuthorization keeps the key given to "Authorize" in the
 * browser's local storage, so a reload does not ask again.  The page
 * talks to the server it came from: the spec's URL has no host.
 */
#define SWAGGER_PAGE(css, js)						\
	"<!DOCTYPE html>\n"						\
	"<html lang=\"en\">\n"						\
	"<head>\n"							\
	"<meta charset=\"utf-8\">\n"					\
	"<meta name=\"viewport\" content=\"width=device-width, "	\
	    "initial-scale=1\">\n"					\
	"<title>solar-host - Swagger UI</title>\n"			\
	"<link rel=\"stylesheet\" type=\"text/css\" href=\"" css "\">\n" \
	"</head>\n"							\
	"<body>\n"							\
	"<div id=\"swagger-ui\"></div>\n"				\
	"<script src=\"" js "\"></script>\n"				\
	"<script>\n"							\
	"window.ui = SwaggerUIBundle({\n"				\
	"  url: \"/openapi.json\",\n"					\
	"  dom_id: \"#swagger-ui\",\n"					\
	"  layout: \"BaseLayout\",\n"					\
	"  deepLinking: true,\n"					\
	"  showExtensions: true,\n"					\
	"  showCommonExtensions: true,\n"				\
	"  persistAuthorization: true,\n"				\
	"  presets: [SwaggerUIBundle.presets.apis]\n"			\
	"});\n"								\
	"</script>\n"							\
	"</body>\n"							\
	"</html>\n"

#define REDOC_PAGE(js)							\
	"<!DOCTYPE html>\n"						\
	"<html lang=\"en\">\n"						\
	"<head>\n"							\
	"<meta charset=\"utf-8\">\n"					\
	"<meta name=\"viewport\" content=\"width=device-width, "	\
	    "initial-scale=1\">\n"					\
	"<title>solar-host - ReDoc</title>\n"				\
	"<style>body { margin: 0; padding: 0; }</style>\n"		\
	"</head>\n"							\
	"<body>\n"							\
	"<noscript>This page needs JavaScript to show the API "	\
	    "documentation; the document itself is at "			\
	    "<a href=\"/openapi.json\">/openapi.json</a>.</noscript>\n"	\
	"<redoc spec-url=\"/openapi.json\"></redoc>\n"			\
	"<script src=\"" js "\"></script>\n"				\
	"</body>\n"							\
	"</html>\n"

const char *
docs_swagger_html(void)
{
	return SWAGGER_PAGE(CDN_SWAGGER "swagger-ui.css",
	    CDN_SWAGGER "swagger-ui-bundle.js");
}

const char *
docs_swagger_html_local(void)
{
	return SWAGGER_PAGE(LOCAL_ASSETS "swagger-ui.css",
	    LOCAL_ASSETS "swagger-ui-bundle.js");
}

const char *
docs_redoc_html(void)
{
	return REDOC_PAGE(CDN_REDOC "redoc.standalone.js");
}

const char *
docs_redoc_html_local(void)
{
	return REDOC_PAGE(LOCAL_ASSETS "redoc.standalone.js");
}
