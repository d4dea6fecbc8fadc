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

#define ASSET_FILES							\
	"<code>swagger-ui-bundle.js</code>, <code>swagger-ui.css</code> " \
	"and <code>redoc.standalone.js</code>"

/*
 * What to do about it, for each place the assets come from: without
 * internet the CDN never answers; a local directory that does not
 * render holds the wrong files.
 */
#define HELP_CDN							\
	"<p>For a site without internet access, set "			\
	"<code>DOCS_ASSETS_DIR</code> to a directory holding "		\
	ASSET_FILES " and restart solar-host, which then serves them "	\
	"itself.  <code>make docs-assets</code> in the build directory "	\
	"fills one from npm (packages <code>swagger-ui-dist@5</code> "	\
	"and <code>redoc@2</code>) and prints the setting.</p>\n"
#define HELP_LOCAL							\
	"<p>solar-host serves them from the files in "			\
	"<code>DOCS_ASSETS_DIR</code>: " ASSET_FILES " from the npm "	\
	"packages <code>swagger-ui-dist@5</code> and <code>redoc@2</code>."	\
	"  <code>make docs-assets</code> in the build directory fetches "	\
	"them anew; restart solar-host after replacing them.</p>\n"

/*
 * Plain HTML, shown until the page's script has rendered the document
 * and hides it: so it stays when the assets do not load and when
 * scripts are off, and says why the page is empty and what still works.
 */
#define NOTICE(what, from, help)					\
	"<div id=\"docs-notice\" class=\"docs-notice\">\n"		\
	"<h1>solar-host API documentation</h1>\n"			\
	"<p>If this text stays, " what " has not loaded: its files "	\
	"come from <code>" from "</code>, which this browser could "	\
	"not reach, or scripts are turned off.</p>\n"			\
	help								\
	"<p>These work without them: the API description at "		\
	"<a href=\"/openapi.json\">/openapi.json</a> and the "		\
	"dashboard at <a href=\"/ui\">/ui</a>.</p>\n"			\
	"</div>\n"

/* No display rule of its own, so that the hidden attribute wins. */
#define NOTICE_STYLE							\
	"<style>\n"							\
	".docs-notice { max-width: 46em; margin: 2em auto; "		\
	"padding: 0 1em; font: 16px/1.5 sans-serif; color: #222; }\n"	\
	".docs-notice[hidden] { display: none; }\n"			\
	".docs-notice code { font-size: 90%; }\n"			\
	"</style>\n"

/*
 * persistAuthorization keeps the key given to "Authorize" in the
 * browser's local storage, so a reload does not ask again.  The page
 * talks to the server it came from: the spec's URL has no host.  The
 * check for the bundle keeps a failed load from adding a script error
 * to the one the browser already shows.
 */
#define SWAGGER_PAGE(css, js, from, help)				\
	"<!DOCTYPE html>\n"						\
	"<html lang=\"en\">\n"						\
	"<head>\n"							\
	"<meta charset=\"utf-8\">\n"					\
	"<meta name=\"viewport\" content=\"width=device-width, "	\
	    "initial-scale=1\">\n"					\
	"<title>solar-host - Swagger UI</title>\n"			\
	"<link rel=\"stylesheet\" type=\"text/css\" href=\"" css "\">\n" \
	NOTICE_STYLE							\
	"</head>\n"							\
	"<body>\n"							\
	NOTICE("Swagger UI", from, help)				\
	"<div id=\"swagger-ui\"></div>\n"				\
	"<script src=\"" js "\"></script>\n"				\
	"<script>\n"							\
	"if (typeof SwaggerUIBundle === \"function\") {\n"		\
	"  window.ui = SwaggerUIBundle({\n"				\
	"    url: \"/openapi.json\",\n"					\
	"    dom_id: \"#swagger-ui\",\n"				\
	"    layout: \"BaseLayout\",\n"					\
	"    deepLinking: true,\n"					\
	"    showExtensions: true,\n"					\
	"    showCommonExtensions: true,\n"				\
	"    persistAuthorization: true,\n"				\
	"    presets: [SwaggerUIBundle.presets.apis],\n"		\
	"    onComplete: function () {\n"				\
	"      document.getElementById(\"docs-notice\").hidden = true;\n" \
	"    }\n"							\
	"  });\n"							\
	"}\n"								\
	"</script>\n"							\
	"</body>\n"							\
	"</html>\n"

/*
 * Redoc.init rather than the <redoc> element: only init says when the
 * document has rendered.
 */
#define REDOC_PAGE(js, from, help)					\
	"<!DOCTYPE html>\n"						\
	"<html lang=\"en\">\n"						\
	"<head>\n"							\
	"<meta charset=\"utf-8\">\n"					\
	"<meta name=\"viewport\" content=\"width=device-width, "	\
	    "initial-scale=1\">\n"					\
	"<title>solar-host - ReDoc</title>\n"				\
	"<style>body { margin: 0; padding: 0; }</style>\n"		\
	NOTICE_STYLE							\
	"</head>\n"							\
	"<body>\n"							\
	NOTICE("ReDoc", from, help)					\
	"<div id=\"redoc\"></div>\n"					\
	"<script src=\"" js "\"></script>\n"				\
	"<script>\n"							\
	"if (typeof Redoc === \"object\" && Redoc !== null) {\n"	\
	"  Redoc.init(\"/openapi.json\", {},\n"				\
	"      document.getElementById(\"redoc\"), function (err) {\n"	\
	"    if (!err)\n"						\
	"      document.getElementById(\"docs-notice\").hidden = true;\n" \
	"  });\n"							\
	"}\n"								\
	"</script>\n"							\
	"</body>\n"							\
	"</html>\n"

const char *
docs_swagger_html(void)
{
	return SWAGGER_PAGE(CDN_SWAGGER "swagger-ui.css",
	    CDN_SWAGGER "swagger-ui-bundle.js", CDN_SWAGGER, HELP_CDN);
}

const char *
docs_swagger_html_local(void)
{
	return SWAGGER_PAGE(LOCAL_ASSETS "swagger-ui.css",
	    LOCAL_ASSETS "swagger-ui-bundle.js", LOCAL_ASSETS, HELP_LOCAL);
}

const char *
docs_redoc_html(void)
{
	return REDOC_PAGE(CDN_REDOC "redoc.standalone.js", CDN_REDOC,
	    HELP_CDN);
}

const char *
docs_redoc_html_local(void)
{
	return REDOC_PAGE(LOCAL_ASSETS "redoc.standalone.js", LOCAL_ASSETS,
	    HELP_LOCAL);
}
