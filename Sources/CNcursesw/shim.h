#ifndef KLAXON_CNCURSESW_SHIM_H
#define KLAXON_CNCURSESW_SHIM_H
// Wide-character ncurses needs these before the header; SwiftPM drops the -D flags of the .pc file.
#define _XOPEN_SOURCE_EXTENDED 1
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <stdio.h>
#include <ncursesw/ncurses.h>

// Macros and variadic functions do not import into Swift; these typed wrappers do.
static inline int klaxon_getmaxy(WINDOW *w) { return getmaxy(w); }
static inline int klaxon_getmaxx(WINDOW *w) { return getmaxx(w); }
static inline int klaxon_wcwidth(wchar_t c) { return wcwidth(c); }
static inline attr_t klaxon_a_bold(void) { return A_BOLD; }
static inline attr_t klaxon_a_reverse(void) { return A_REVERSE; }
static inline attr_t klaxon_a_underline(void) { return A_UNDERLINE; }
static inline attr_t klaxon_a_dim(void) { return A_DIM; }
static inline attr_t klaxon_a_normal(void) { return A_NORMAL; }
static inline attr_t klaxon_a_italic(void) { return A_ITALIC; }

/// The screen's standard window; reading the `stdscr` global from Swift 6 is a concurrency error.
static inline WINDOW *klaxon_stdscr(void) { return stdscr; }

/// Writes one wide string at (y, x) of `w`; returns ERR or OK.
static inline int klaxon_mvwaddwstr(WINDOW *w, int y, int x, const wchar_t *s) { return mvwaddwstr(w, y, x, s); }

/// Reads the wide character stored in the cell at (y, x) of `w` into `out` (up to `cap` wchar_t, NUL-terminated).
/// Returns the number of characters, or -1.
static inline int klaxon_cell_text(WINDOW *w, int y, int x, wchar_t *out, int cap) {
    cchar_t cell;
    if (mvwin_wch(w, y, x, &cell) == ERR) return -1;
    attr_t attrs; short pair;
    wchar_t buffer[CCHARW_MAX + 1];
    if (getcchar(&cell, buffer, &attrs, &pair, NULL) == ERR) return -1;
    int n = 0;
    while (n < cap - 1 && n < CCHARW_MAX && buffer[n] != 0) { out[n] = buffer[n]; n++; }
    out[n] = 0;
    return n;
}

/// Puts one character (a base and up to 4 combining marks, NUL-terminated) at (y, x) with attributes and a colour pair.
static inline int klaxon_put_cell(WINDOW *w, int y, int x, const wchar_t *text, attr_t attrs, short pair) {
    cchar_t cell;
    if (setcchar(&cell, text, attrs, pair, NULL) == ERR) return ERR;
    return mvwadd_wch(w, y, x, &cell);
}

/// The codeset of the current locale (e.g. "UTF-8").
#include <langinfo.h>
static inline const char *klaxon_codeset(void) { return nl_langinfo(CODESET); }
#endif
