/*
 * sluice_print.c: how the shell shows results and errors, byte for byte
 * like psql's defaults.
 *
 *   aligned     header centered (line by line), numbers right-aligned, "+"
 *               marking a value or name that continues on the next line,
 *               "(N rows)" and a blank line; \x auto expands a table wider
 *               than the terminal
 *   expanded    "-[ RECORD n ]---+---" blocks (\x), widened to fit the label
 *               (as psql 15.20 prints them)
 *   unaligned   fields joined by the field separator (-A)
 *   errors      "ERROR:  msg", "LINE n: text" with a caret under the
 *               error position (a 60-column window around it, "..." where
 *               cut), DETAIL, HINT, CONTEXT
 *
 * Everything here is pure: tables come in as sl_table_t (or a PGresult)
 * and go out to a FILE* or an sl_buf_t.  Interface in sluice.h.
 */
#include "sluice.h"

#include <stdlib.h>
#include <string.h>

#include "util/arena.h"

/* Decodes one UTF-8 character at s (n bytes left): returns its length
 * (1 for an invalid byte) and stores the code point. */
static size_t utf8_char(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3
               : (c & 0xf8) == 0xf0 ? 4 : 1;
    if (len > n)
        len = 1;
    if (len == 1) {
        *cp = c;
        return 1;
    }
    unsigned v = c & (0xff >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = c;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    *cp = v;
    return len;
}

static int cp_width(unsigned cp)
{
    if ((cp >= 0x300 && cp <= 0x36f) || cp == 0x200b || (cp >= 0xfe00 && cp <= 0xfe0f))
        return 0;
    if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
        (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
        (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
        (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1f64f) ||
        (cp >= 0x1f900 && cp <= 0x1f9ff) || (cp >= 0x20000 && cp <= 0x3fffd))
        return 2;
    return 1;
}

int sl_print_width(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    int w = 0;
    size_t i = 0;
    while (i < n) {
        unsigned cp;
        i += utf8_char(p + i, n - i, &cp);
        w += cp_width(cp);
    }
    return w;
}

static void pad(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc(' ', out);
}

static void dashes(FILE *out, int n)
{
    for (int i = 0; i < n; i++)
        fputc('-', out);
}

static const char *cell_text(const sl_table_t *t, const sl_popt_t *opt, int r, int c)
{
    const char *v = t->cells[(size_t)r * t->ncols + c];
    return v ? v : (opt->null_str ? opt->null_str : "");
}

/* Line l (0-based) of text into (start, len); false when text has fewer
 * lines (start and len untouched). */
static bool text_line(const char *text, int l, const char **start, size_t *len)
{
    const char *p = text;
    for (int i = 0; i < l; i++) {
        p = strchr(p, '\n');
        if (p == NULL)
            return false;
        p++;
    }
    const char *e = strchr(p, '\n');
    *start = p;
    *len = e ? (size_t)(e - p) : strlen(p);
    return true;
}

static int text_lines(const char *text)
{
    int n = 1;
    for (const char *p = text; (p = strchr(p, '\n')) != NULL; p++)
        n++;
    return n;
}

/* Widest line of text. */
static int text_width(const char *text)
{
    int w = 0;
    const char *s;
    size_t n;
    for (int l = 0; text_line(text, l, &s, &n); l++) {
        int lw = sl_print_width(s, n);
        if (lw > w)
            w = lw;
    }
    return w;
}

static void footer(FILE *out, const sl_table_t *t)
{
    if (t->footer) {
        if (*t->footer)
            fprintf(out, "%s\n", t->footer);
    }
    else
        fprintf(out, "(%d row%s)\n", t->nrows, t->nrows == 1 ? "" : "s");
}

static void print_title(FILE *out, const char *title, int total)
{
    int tw = sl_print_width(title, strlen(title));
    if (tw < total)
        pad(out, (total - tw) / 2);
    fprintf(out, "%s\n", title);
}

static void print_aligned(FILE *out, const sl_table_t *t, const sl_popt_t *opt,
                          const int *w)
{
    int total = 0;
    for (int c = 0; c < t->ncols; c++)
        total += w[c] + (c ? 3 : 2);
    if (t->title && !opt->tuples_only)
        print_title(out, t->title, total);
    if (!opt->tuples_only) {
        /* Header names with newlines: each line centered, '+' after a
         * line that continues. */
        int height = 1;
        for (int c = 0; c < t->ncols; c++) {
            int h = text_lines(t->colnames[c]);
            if (h > height)
                height = h;
        }
        for (int l = 0; l < height; l++) {
            for (int c = 0; c < t->ncols; c++) {
                const char *h, *next;
                size_t hn, nextn;
                fputs(c ? "| " : " ", out);
                if (text_line(t->colnames[c], l, &h, &hn)) {
                    int hw = sl_print_width(h, hn);
                    int left = (w[c] - hw) / 2;
                    pad(out, left);
                    fwrite(h, 1, hn, out);
                    pad(out, w[c] - hw - left);
                } else {
                    pad(out, w[c]);
                }
                fputc(text_line(t->colnames[c], l + 1, &next, &nextn) ? '+' : ' ', out);
            }
            fputc('\n', out);
        }
        for (int c = 0; c < t->ncols; c++) {
            if (c)
                fputc('+', out);
            dashes(out, w[c] + 2);
        }
        fputc('\n', out);
    }
    for (int r = 0; r < t->nrows; r++) {
        int height = 1;
        for (int c = 0; c < t->ncols; c++) {
            int h = text_lines(cell_text(t, opt, r, c));
            if (h > height)
                height = h;
        }
        for (int l = 0; l < height; l++) {
            for (int c = 0; c < t->ncols; c++) {
                const char *text = cell_text(t, opt, r, c);
                const char *s;
                size_t n;
                bool last = c == t->ncols - 1;
                bool have = text_line(text, l, &s, &n);
                const char *s2;
                size_t n2;
                bool more = have && text_line(text, l + 1, &s2, &n2);
                fputs(c ? "|" : "", out);
                if (!have) {
                    if (!last) {
                        pad(out, w[c] + 2);
                    } else {
                        fputc(' ', out);
                    }
                    continue;
                }
                int sw = sl_print_width(s, n);
                fputc(' ', out);
                if (t->right && t->right[c]) {
                    pad(out, w[c] - sw);
                    fwrite(s, 1, n, out);
                } else {
                    fwrite(s, 1, n, out);
                    if (!last || more)
                        pad(out, w[c] - sw);
                }
                if (more)
                    fputc('+', out);
                else if (!last)
                    fputc(' ', out);
            }
            fputc('\n', out);
        }
    }
    if (!opt->tuples_only)
        footer(out, t);
    fputc('\n', out);
}

/* One "-[ RECORD n ]-----+------" line (rec 0: the plain separator of
 * tuples-only mode); the label may cover the "-+-". */
static void record_line(FILE *out, long rec, int hwidth, int dwidth)
{
    int col = 0;
    if (rec > 0)
        col = fprintf(out, "-[ RECORD %ld ]", rec);
    for (; col < hwidth; col++)
        fputc('-', out);
    const char sep[] = "-+-";
    for (int i = 0; i < 3; i++)
        if (col <= hwidth + i) {
            fputc(sep[i], out);
            col++;
        }
    for (; col < hwidth + 3 + dwidth; col++)
        fputc('-', out);
    fputc('\n', out);
}

/* One field of an expanded record: header lines on the left (a '+' after
 * each but the last), value lines on the right, side by side; a side that
 * has run out of lines is left blank, and a line with no value line ends
 * at the '|'. */
static void expanded_field(FILE *out, const char *head, const char *text, int hwidth,
                           int dwidth)
{
    const char *hs, *ds, *next;
    size_t hn, dn, nextn;
    for (int l = 0;; l++) {
        bool h = text_line(head, l, &hs, &hn), d = text_line(text, l, &ds, &dn);
        if (!h && !d)
            break;
        if (h) {
            fwrite(hs, 1, hn, out);
            pad(out, hwidth - sl_print_width(hs, hn));
            fputc(text_line(head, l + 1, &next, &nextn) ? '+' : ' ', out);
        } else {
            pad(out, hwidth + 1);
        }
        fputc('|', out);
        if (d) {
            fputc(' ', out);
            fwrite(ds, 1, dn, out);
            if (text_line(text, l + 1, &next, &nextn)) {
                pad(out, dwidth - sl_print_width(ds, dn));
                fputc('+', out);
            }
        }
        fputc('\n', out);
    }
}

static void print_expanded(FILE *out, const sl_table_t *t, const sl_popt_t *opt)
{
    int hwidth = 0, dwidth = 0;
    bool multiline = false;
    for (int c = 0; c < t->ncols; c++) {
        int hw = text_width(t->colnames[c]);
        if (hw > hwidth)
            hwidth = hw;
    }
    for (int r = 0; r < t->nrows; r++)
        for (int c = 0; c < t->ncols; c++) {
            const char *text = cell_text(t, opt, r, c);
            int dw = text_width(text);
            if (dw > dwidth)
                dwidth = dw;
            if (strchr(text, '\n'))
                multiline = true;
        }
    if (t->title && !opt->tuples_only)
        fprintf(out, "%s\n", t->title);
    if (t->nrows == 0) {
        if (!opt->tuples_only)
            fprintf(out, "(0 rows)\n");
        fputc('\n', out);
        return;
    }
    /* The record label widens the data column to fit (psql 15.20 and
     * 15.17 as Debian ships them; 15.18 alone did not). */
    if (!opt->tuples_only) {
        int digits = 1;
        for (int n = t->nrows; n >= 10; n /= 10)
            digits++;
        int need = 12 + digits - hwidth - (multiline ? 4 : 3);
        if (dwidth < need)
            dwidth = need;
    }
    for (int r = 0; r < t->nrows; r++) {
        if (!opt->tuples_only)
            record_line(out, r + 1, hwidth, dwidth);
        else if (r > 0)
            record_line(out, 0, hwidth, dwidth);
        for (int c = 0; c < t->ncols; c++)
            expanded_field(out, t->colnames[c], cell_text(t, opt, r, c), hwidth, dwidth);
    }
    fputc('\n', out);
}

static void print_unaligned(FILE *out, const sl_table_t *t, const sl_popt_t *opt)
{
    const char *sep = opt->fieldsep ? opt->fieldsep : "|";
    if (opt->expanded == SL_X_ON) {
        for (int r = 0; r < t->nrows; r++) {
            if (r > 0)
                fputc('\n', out);
            for (int c = 0; c < t->ncols; c++)
                fprintf(out, "%s%s%s\n", t->colnames[c], sep, cell_text(t, opt, r, c));
        }
        return;
    }
    if (!opt->tuples_only) {
        for (int c = 0; c < t->ncols; c++)
            fprintf(out, "%s%s", c ? sep : "", t->colnames[c]);
        fputc('\n', out);
    }
    for (int r = 0; r < t->nrows; r++) {
        for (int c = 0; c < t->ncols; c++)
            fprintf(out, "%s%s", c ? sep : "", cell_text(t, opt, r, c));
        fputc('\n', out);
    }
    if (!opt->tuples_only)
        footer(out, t);
}

void sl_print_table(FILE *out, const sl_table_t *t, const sl_popt_t *opt)
{
    if (opt->format == SL_FMT_UNALIGNED) {
        print_unaligned(out, t, opt);
        return;
    }
    int *w = sl_xcalloc((size_t)(t->ncols ? t->ncols : 1), sizeof(int));
    /* Column widths count the header even without one shown (-t), as in
     * psql; the table is as wide as " a | b " less its last blank. */
    int total = -1;
    for (int c = 0; c < t->ncols; c++) {
        w[c] = text_width(t->colnames[c]);
        for (int r = 0; r < t->nrows; r++) {
            int cw = text_width(cell_text(t, opt, r, c));
            if (cw > w[c])
                w[c] = cw;
        }
        total += w[c] + 3;
    }
    bool expand = opt->expanded == SL_X_ON ||
                  (opt->expanded == SL_X_AUTO && opt->term_width > 0 &&
                   total > opt->term_width && t->ncols > 1);
    if (expand)
        print_expanded(out, t, opt);
    else
        print_aligned(out, t, opt, w);
    free(w);
}

static bool numeric_type(Oid type)
{
    switch (type) {
    case 20: case 21: case 23: case 26: case 700: case 701: case 790:
    case 1700: case 28: case 29:
        return true;
    default:
        return false;
    }
}

void sl_print_result(FILE *out, const PGresult *res, const sl_popt_t *opt,
                     const char *title)
{
    int ncols = PQnfields(res), nrows = PQntuples(res);
    const char **names = sl_xcalloc((size_t)ncols + 1, sizeof(char *));
    bool *right = sl_xcalloc((size_t)ncols + 1, sizeof(bool));
    const char **cells = sl_xcalloc((size_t)nrows * ncols + 1, sizeof(char *));
    for (int c = 0; c < ncols; c++) {
        names[c] = PQfname(res, c);
        right[c] = numeric_type(PQftype(res, c));
    }
    for (int r = 0; r < nrows; r++)
        for (int c = 0; c < ncols; c++)
            cells[(size_t)r * ncols + c] = PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
    sl_table_t t = {title, ncols, nrows, names, right, cells, NULL};
    sl_print_table(out, &t, opt);
    free(names);
    free(right);
    free(cells);
}

/* ---- errors -------------------------------------------------------------- */

#define DISPLAY_SIZE 60     /* columns of query text shown around the caret */
#define MIN_RIGHT_CUT 10    /* keep at least this much after the caret */

/* Appends "LINE n: text" and the caret line for position pos (1-based
 * characters) in query. */
static void diag_position(sl_buf_t *out, const char *query, int pos)
{
    const unsigned char *q = (const unsigned char *)query;
    size_t qlen = strlen(query);
    /* Character start offsets and display widths. */
    size_t nch = 0;
    size_t *off = sl_xmalloc(sizeof(size_t) * (qlen + 2));
    int *wid = sl_xmalloc(sizeof(int) * (qlen + 2));
    for (size_t i = 0; i < qlen;) {
        unsigned cp;
        size_t l = utf8_char(q + i, qlen - i, &cp);
        off[nch] = i;
        wid[nch] = (cp == '\t') ? 1 : (cp < 0x20 ? 0 : cp_width(cp));
        nch++;
        i += l;
    }
    off[nch] = qlen;
    wid[nch] = 1;           /* the caret may sit just past the end */
    size_t loc = (size_t)pos - 1;
    if (loc > nch)
        loc = nch;
    /* Find the line holding loc. */
    size_t beg = 0;
    int lineno = 1;
    for (size_t i = 0; i < loc; i++) {
        unsigned char c = q[off[i]];
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < nch && q[off[i + 1]] == '\n') {
                if (i + 1 >= loc)
                    break;
                i++;
            }
            lineno++;
            beg = i + 1;
        }
    }
    size_t end = loc;
    while (end < nch && q[off[end]] != '\n' && q[off[end]] != '\r')
        end++;
    int caret = 0, width = 0;
    for (size_t i = beg; i < end; i++) {
        if (i < loc)
            caret += wid[i];
        width += wid[i];
    }
    bool cut_beg = false, cut_end = false;
    if (width > DISPLAY_SIZE) {
        while (width > DISPLAY_SIZE && width > caret + MIN_RIGHT_CUT && end > loc + 1) {
            end--;
            width -= wid[end];
            cut_end = true;
        }
        while (width > DISPLAY_SIZE && beg < loc) {
            width -= wid[beg];
            caret -= wid[beg];
            beg++;
            cut_beg = true;
        }
    }
    int head = (int)out->len;
    sl_buf_printf(out, "LINE %d: ", lineno);
    head = (int)out->len - head;
    if (cut_beg)
        sl_buf_puts(out, "...");
    for (size_t i = beg; i < end; i++) {
        if (q[off[i]] == '\t')
            sl_buf_putc(out, ' ');
        else
            sl_buf_append(out, query + off[i], off[i + 1] - off[i]);
    }
    if (cut_end)
        sl_buf_puts(out, "...");
    sl_buf_putc(out, '\n');
    for (int i = 0; i < head + (cut_beg ? 3 : 0) + caret; i++)
        sl_buf_putc(out, ' ');
    sl_buf_puts(out, "^\n");
    free(off);
    free(wid);
}

void sl_print_diag(sl_buf_t *out, const sl_diag_t *d, const char *prefix)
{
    sl_buf_printf(out, "%s%s:  %s\n", prefix ? prefix : "",
                  d->severity ? d->severity : "ERROR", d->message ? d->message : "");
    if (d->position > 0 && d->query)
        diag_position(out, d->query, d->position);
    if (d->detail)
        sl_buf_printf(out, "DETAIL:  %s\n", d->detail);
    if (d->hint)
        sl_buf_printf(out, "HINT:  %s\n", d->hint);
    if (d->context)
        sl_buf_printf(out, "CONTEXT:  %s\n", d->context);
}

void sl_diag_from_result(sl_diag_t *d, const PGresult *res, const char *query)
{
    const char *pos = PQresultErrorField(res, PG_DIAG_STATEMENT_POSITION);
    memset(d, 0, sizeof(*d));
    d->severity = PQresultErrorField(res, PG_DIAG_SEVERITY);
    d->message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    d->detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
    d->hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
    d->context = PQresultErrorField(res, PG_DIAG_CONTEXT);
    d->query = query;
    d->position = pos ? atoi(pos) : 0;
}
