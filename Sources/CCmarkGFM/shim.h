#ifndef KLAXON_CCMARKGFM_SHIM_H
#define KLAXON_CCMARKGFM_SHIM_H
#include <cmark-gfm.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm-core-extensions.h>

// Debian does not install the headers that declare the extension node types; these are their
// declarations from cmark-gfm's extensions (table.h, strikethrough.h), which the library exports.
extern cmark_node_type CMARK_NODE_TABLE;
extern cmark_node_type CMARK_NODE_TABLE_ROW;
extern cmark_node_type CMARK_NODE_TABLE_CELL;
extern cmark_node_type CMARK_NODE_STRIKETHROUGH;

static inline cmark_node_type klaxon_node_table(void) { return CMARK_NODE_TABLE; }
static inline cmark_node_type klaxon_node_table_row(void) { return CMARK_NODE_TABLE_ROW; }
static inline cmark_node_type klaxon_node_table_cell(void) { return CMARK_NODE_TABLE_CELL; }
static inline cmark_node_type klaxon_node_strikethrough(void) { return CMARK_NODE_STRIKETHROUGH; }
#endif
