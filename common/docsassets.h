/* docsassets.h: the files of DOCS_ASSETS_DIR, as both processes name them. */
#ifndef SOLAR_DOCSASSETS_H
#define SOLAR_DOCSASSETS_H

#define DOCS_ASSET_NAMES \
	"swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"
#define DOCS_NASSETS	3

#endif
