/* docs.h: the HTML of the /docs (Swagger UI) and /redoc (ReDoc) pages. */
#ifndef SOLAR_DOCS_H
#define SOLAR_DOCS_H

/*
 * Each returns a static, NUL-terminated page that renders /openapi.json.
 * The plain variants load their scripts and styles from the jsdelivr CDN;
 * the _local ones from /docs/assets/, for sites without internet access.
 * Each holds a notice in plain HTML, shown until its script has rendered
 * the document, that says where the assets come from and links to what
 * works without them.
 */
const char	*docs_swagger_html(void);
const char	*docs_swagger_html_local(void);
const char	*docs_redoc_html(void);
const char	*docs_redoc_html_local(void);

#endif
