/*
 * tzinfo.c: TZif zones of the system zoneinfo and POSIX TZ rules; see
 * tzinfo.h.
 *
 * A zone is its transition list (the 64-bit block of a version 2+ TZif
 * file) and the POSIX TZ string of the file's footer, which gives the
 * offsets after the last transition (Mm.w.d, Jn and n dates).  Loaded
 * zones stay in a process-wide list: zone names come from data, so the
 * list is bounded by the number of files under the zoneinfo directory.
 */
#include "util/tzinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/datetime.h"
#include "util/error.h"

#define TZDIR "/usr/share/zoneinfo"

typedef struct ttype {
    int32_t off;     /* seconds east of UTC */
    uint8_t dst;
    uint8_t abbr;    /* index into chars */
} ttype_t;

typedef struct rule_date {
    char kind;       /* 'M', 'J' (1..365, no Feb 29) or 'n' (0..365) */
    int m, w, d;     /* M: month, week 1..5, weekday 0..6; J/n: day in d */
    int32_t time;    /* seconds after local midnight (may be negative) */
} rule_date_t;

typedef struct rule {
    bool valid, has_dst;
    int32_t std_off, dst_off;   /* seconds east */
    rule_date_t start, end;
} rule_t;

struct sl_tz {
    char key[256];   /* the name as asked, upper case */
    int64_t *trans;
    uint8_t *idx;
    int ntrans;
    ttype_t *types;
    int ntypes;
    char *chars;
    int nchars;
    rule_t rule;
    struct sl_tz *next;
};

/* Zones found in the zoneinfo stay here (at most its files); POSIX specs
 * and names not found go through a small ring instead, so that random text
 * cannot grow the list: a pointer from the ring lives for ZONE_RING
 * lookups, more than one input's decoding makes. */
static struct sl_tz *zones;
#define ZONE_RING 16
static struct sl_tz *ring[ZONE_RING];
static int ring_next;

static void zone_free(struct sl_tz *z)
{
    if (z == NULL)
        return;
    free(z->trans);
    free(z->idx);
    free(z->types);
    free(z->chars);
    free(z);
}

/* ---- POSIX TZ strings ---- */

static const char *rule_name(const char *p)
{
    if (*p == '<') {
        while (*p && *p != '>')
            p++;
        return *p == '>' ? p + 1 : NULL;
    }
    const char *s = p;   /* tzcode's getzname: up to a digit, sign or comma */
    while (*p && !isdigit((unsigned char)*p) && *p != ',' && *p != '-' && *p != '+')
        p++;
    return p > s ? p : NULL;
}

/* [+-]h[h][:mm[:ss]] in seconds; NULL on a syntax error. */
static const char *rule_secs(const char *p, int32_t *out, int maxh)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!isdigit((unsigned char)*p))
        return NULL;
    int h = 0, m = 0, s = 0;
    while (isdigit((unsigned char)*p)) {
        if (h <= 100000)
            h = h * 10 + (*p - '0');
        p++;
    }
    if (h > maxh)
        return NULL;
    if (*p == ':') {
        p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p)) {
            if (m <= 100000)
                m = m * 10 + (*p - '0');
            p++;
        }
        if (*p == ':') {
            p++;
            while (isdigit((unsigned char)*p)) {
                if (s <= 100000)
                    s = s * 10 + (*p - '0');
                p++;
            }
        }
    }
    if (m > 59 || s > 60)   /* tzcode's getsecs allows a leap second */
        return NULL;
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *rule_when(const char *p, rule_date_t *d)
{
    memset(d, 0, sizeof(*d));
    d->time = 7200;
    if (*p == 'M') {
        d->kind = 'M';
        int *f[3] = {&d->m, &d->w, &d->d};
        p++;
        for (int k = 0; k < 3; k++) {
            if (k > 0 && *p++ != '.')
                return NULL;
            if (!isdigit((unsigned char)*p))
                return NULL;
            *f[k] = 0;
            while (isdigit((unsigned char)*p)) {
                if (*f[k] <= 1000)
                    *f[k] = *f[k] * 10 + (*p - '0');
                p++;
            }
        }
        if (d->m < 1 || d->m > 12 || d->w < 1 || d->w > 5 || d->d < 0 || d->d > 6)
            return NULL;
    } else {
        d->kind = *p == 'J' ? 'J' : 'n';
        if (*p == 'J')
            p++;
        if (!isdigit((unsigned char)*p))
            return NULL;
        while (isdigit((unsigned char)*p)) {
            if (d->d <= 100000)
                d->d = d->d * 10 + (*p - '0');
            p++;
        }
        if (d->d > 365)
            return NULL;
    }
    if (*p == '/')
        p = rule_secs(p + 1, &d->time, 167);
    return p;
}

static bool rule_parse(const char *s, rule_t *r)
{
    memset(r, 0, sizeof(*r));
    const char *p = rule_name(s);
    int32_t west;
    if (p == NULL || (p = rule_secs(p, &west, 167)) == NULL)
        return false;
    r->std_off = -west;
    if (*p == '\0') {
        r->valid = true;
        return true;
    }
    if ((p = rule_name(p)) == NULL)
        return false;
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        if ((p = rule_secs(p, &west, 167)) == NULL)
            return false;
        r->dst_off = -west;
    }
    if (*p == '\0') {   /* no rule: the US rules, as tzcode's default */
        r->start = (rule_date_t){'M', 3, 2, 0, 7200};
        r->end = (rule_date_t){'M', 11, 1, 0, 7200};
    } else {
        if (*p != ',' || (p = rule_when(p + 1, &r->start)) == NULL || *p != ',' ||
            (p = rule_when(p + 1, &r->end)) == NULL || *p != '\0')
            return false;
    }
    r->has_dst = true;
    r->valid = true;
    return true;
}

/* Local midnight of rule date d in year y, in days since 1970. */
static int64_t rule_day(const rule_date_t *d, int64_t y)
{
    if (d->kind == 'J') {
        int64_t day = sl_days_from_civil(y, 1, 1) + d->d - 1;
        if (sl_is_leap(y) && d->d >= 60)
            day++;
        return day;
    }
    if (d->kind == 'n')
        return sl_days_from_civil(y, 1, 1) + d->d;
    int64_t first = sl_days_from_civil(y, d->m, 1);
    int dow = (int)(((first + 4) % 7 + 7) % 7);   /* 1970-01-01 was a Thursday */
    int64_t day = first + ((d->d - dow) % 7 + 7) % 7 + (int64_t)(d->w - 1) * 7;
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int len = md[d->m - 1] + (d->m == 2 && sl_is_leap(y));
    while (day >= first + len)
        day -= 7;
    return day;
}

/* The UTC instants DST starts and ends in year y. */
static void rule_bounds(const rule_t *r, int64_t y, int64_t *start, int64_t *end)
{
    *start = rule_day(&r->start, y) * 86400 + r->start.time - r->std_off;
    *end = rule_day(&r->end, y) * 86400 + r->end.time - r->dst_off;
}

static int64_t year_of(int64_t t)
{
    int64_t y;
    int m, d;
    int64_t days = t / 86400 - (t % 86400 < 0);
    sl_civil_from_days(days, &y, &m, &d);
    return y;
}

static void rule_at(const rule_t *r, int64_t t, int32_t *off, bool *dst)
{
    *off = r->std_off;
    *dst = false;
    if (!r->has_dst)
        return;
    int64_t y = year_of(t + r->std_off), s, e;
    rule_bounds(r, y, &s, &e);
    bool in = s < e ? (t >= s && t < e) : !(t >= e && t < s);
    if (in) {
        *off = r->dst_off;
        *dst = true;
    }
}

/* The first rule transition after t: 1 and *b set, 0 when none. */
static int rule_next(const rule_t *r, int64_t t, int64_t *b)
{
    if (!r->has_dst)
        return 0;
    int64_t y = year_of(t), best = INT64_MAX;
    for (int64_t k = y - 1; k <= y + 1; k++) {
        int64_t s, e;
        rule_bounds(r, k, &s, &e);
        if (s > t && s < best)
            best = s;
        if (e > t && e < best)
            best = e;
    }
    *b = best;
    return best != INT64_MAX;
}

/* ---- TZif files ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses a version 2+ TZif image into z; false when it is not one. */
static bool tzif_parse(const unsigned char *b, size_t n, struct sl_tz *z)
{
    if (n < 44 || memcmp(b, "TZif", 4) != 0)
        return false;
    uint32_t c[6];
    for (int i = 0; i < 6; i++)
        c[i] = be32(b + 20 + 4 * i);
    /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
    size_t v1 = 44 + (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
    if (b[4] < '2' || v1 + 44 > n) {
        /* version 1: 32-bit block only */
        if (v1 > n)
            return false;
        const unsigned char *p = b + 44;
        z->ntrans = (int)c[3];
        z->trans = calloc((size_t)c[3] + 1, sizeof(int64_t));
        z->idx = calloc((size_t)c[3] + 1, 1);
        for (uint32_t i = 0; i < c[3]; i++)
            z->trans[i] = (int32_t)be32(p + 4 * i);
        p += 4 * c[3];
        memcpy(z->idx, p, c[3]);
        p += c[3];
        z->ntypes = (int)c[4];
        z->types = calloc((size_t)c[4] + 1, sizeof(ttype_t));
        for (uint32_t i = 0; i < c[4]; i++) {
            z->types[i].off = (int32_t)be32(p + 6 * i);
            z->types[i].dst = p[6 * i + 4];
            z->types[i].abbr = p[6 * i + 5];
        }
        p += 6 * c[4];
        z->nchars = (int)c[5];
        z->chars = calloc((size_t)c[5] + 1, 1);
        memcpy(z->chars, p, c[5]);
        return z->ntypes > 0;
    }
    const unsigned char *h = b + v1;
    if (memcmp(h, "TZif", 4) != 0)
        return false;
    for (int i = 0; i < 6; i++)
        c[i] = be32(h + 20 + 4 * i);
    size_t len = 44 + (size_t)c[3] * 9 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 12 + c[1] +
                 c[0];
    if (v1 + len > n || c[4] == 0)
        return false;
    const unsigned char *p = h + 44;
    z->ntrans = (int)c[3];
    z->trans = calloc((size_t)c[3] + 1, sizeof(int64_t));
    z->idx = calloc((size_t)c[3] + 1, 1);
    for (uint32_t i = 0; i < c[3]; i++)
        z->trans[i] = be64(p + 8 * i);
    p += 8 * c[3];
    memcpy(z->idx, p, c[3]);
    p += c[3];
    z->ntypes = (int)c[4];
    z->types = calloc((size_t)c[4] + 1, sizeof(ttype_t));
    for (uint32_t i = 0; i < c[4]; i++) {
        z->types[i].off = (int32_t)be32(p + 6 * i);
        z->types[i].dst = p[6 * i + 4];
        z->types[i].abbr = p[6 * i + 5];
    }
    p += 6 * c[4];
    z->nchars = (int)c[5];
    z->chars = calloc((size_t)c[5] + 1, 1);
    memcpy(z->chars, p, c[5]);
    for (int i = 0; i < z->ntrans; i++)
        if (z->idx[i] >= z->ntypes)
            return false;
    for (int i = 0; i < z->ntypes; i++)
        if (z->types[i].abbr >= z->nchars + 1)
            return false;
    /* footer: "\n<TZ string>\n" */
    const unsigned char *f = h + len, *e = b + n;
    if (f < e && *f == '\n') {
        const unsigned char *nl = memchr(f + 1, '\n', (size_t)(e - f - 1));
        if (nl != NULL && nl > f + 1) {
            char tzs[128];
            size_t l = (size_t)(nl - f - 1);
            if (l < sizeof(tzs)) {
                memcpy(tzs, f + 1, l);
                tzs[l] = '\0';
                rule_parse(tzs, &z->rule);
            }
        }
    }
    return true;
}

/* Finds one path component case-insensitively in dir (entries starting
 * with '.' never match); appends its real name to path. */
static bool find_ci(char *path, size_t cap, const char *comp, size_t len)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return false;
    struct dirent *de;
    bool found = false;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (strlen(de->d_name) == len && strncasecmp(de->d_name, comp, len) == 0) {
            size_t pl = strlen(path);
            if (pl + 1 + len + 1 <= cap) {
                path[pl] = '/';
                memcpy(path + pl + 1, de->d_name, len + 1);
                found = true;
            }
            break;
        }
    }
    closedir(d);
    return found;
}

static bool tz_load_file(const char *name, struct sl_tz *z)
{
    char path[1024] = TZDIR;
    const char *p = name;
    if (strlen(name) + sizeof(TZDIR) + 2 >= sizeof(path))
        return false;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t len = slash ? (size_t)(slash - p) : strlen(p);
        if (len == 0 || !find_ci(path, sizeof(path), p, len))
            return false;
        if (!slash)
            break;
        p = slash + 1;
    }
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return false;
    unsigned char *buf = malloc(1 << 17);
    size_t n = buf ? fread(buf, 1, 1 << 17, fp) : 0;
    fclose(fp);
    bool ok = buf && tzif_parse(buf, n, z);
    free(buf);
    return ok;
}

const sl_tz_t *sl_tz_find(const char *name)
{
    char key[256];
    size_t n = strlen(name);
    if (n == 0 || n >= sizeof(key))
        return NULL;
    for (size_t i = 0; i <= n; i++)
        key[i] = (char)toupper((unsigned char)name[i]);
    for (struct sl_tz *z = zones; z; z = z->next)
        if (strcmp(z->key, key) == 0)
            return z;
    for (int i = 0; i < ZONE_RING; i++)
        if (ring[i] != NULL && strcmp(ring[i]->key, key) == 0)
            return ring[i]->ntypes > 0 ? ring[i] : NULL;
    struct sl_tz *z = calloc(1, sizeof(*z));
    if (z == NULL)
        sl_panic("out of memory");
    memcpy(z->key, key, n + 1);
    if (strcmp(key, "GMT") != 0 && tz_load_file(name, z)) {
        z->next = zones;
        zones = z;
        return z;
    }
    {
        free(z->trans);
        free(z->idx);
        free(z->types);
        free(z->chars);
        z->trans = NULL;
        z->idx = NULL;
        z->types = NULL;
        z->chars = NULL;
        z->ntrans = z->ntypes = z->nchars = 0;
        rule_t r;
        if (strcmp(key, "GMT") == 0)
            rule_parse("GMT0", &r);
        else if (key[0] == ':' || !rule_parse(key, &r))
            r.valid = false;
        if (r.valid) {
            z->rule = r;
            z->types = calloc(1, sizeof(ttype_t));
            z->types[0].off = r.std_off;
            z->ntypes = 1;
            z->chars = calloc(1, 1);
            z->nchars = 1;
        }
    }
    zone_free(ring[ring_next]);
    ring[ring_next] = z;
    ring_next = (ring_next + 1) % ZONE_RING;
    return z->ntypes > 0 ? z : NULL;
}

/* The offset (east) and DST flag in force at UTC instant t. */
static void tz_at(const sl_tz_t *z, int64_t t, int32_t *off, bool *dst)
{
    if (z->ntrans == 0 || t >= z->trans[z->ntrans - 1]) {
        if (z->rule.valid && (z->ntrans == 0 || t >= z->trans[z->ntrans - 1])) {
            rule_at(&z->rule, t, off, dst);
            return;
        }
        const ttype_t *tt = &z->types[z->ntrans ? z->idx[z->ntrans - 1] : 0];
        *off = tt->off;
        *dst = tt->dst;
        return;
    }
    if (t < z->trans[0]) {
        *off = z->types[0].off;
        *dst = z->types[0].dst;
        return;
    }
    int lo = 0, hi = z->ntrans - 1;   /* last k with trans[k] <= t */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    const ttype_t *tt = &z->types[z->idx[lo]];
    *off = tt->off;
    *dst = tt->dst;
}

/* The first transition after t: 1 with *b, 0 when there is none. */
static int tz_next(const sl_tz_t *z, int64_t t, int64_t *b)
{
    if (z->ntrans > 0 && t < z->trans[z->ntrans - 1]) {
        int lo = 0, hi = z->ntrans - 1;   /* first k with trans[k] > t */
        while (lo < hi) {
            int mid = (lo + hi) / 2;
            if (z->trans[mid] > t)
                hi = mid;
            else
                lo = mid + 1;
        }
        *b = z->trans[lo];
        return 1;
    }
    return z->rule.valid ? rule_next(&z->rule, t, b) : 0;
}

int sl_tz_local_offset(const sl_tz_t *z, int64_t mytime, int64_t *tp)
{
    int64_t prev = mytime - 86400, boundary;
    int32_t boff, aoff;
    bool dst;
    tz_at(z, prev, &boff, &dst);
    if (!tz_next(z, prev, &boundary)) {
        if (tp)
            *tp = mytime - boff;
        return -boff;
    }
    tz_at(z, boundary, &aoff, &dst);
    int64_t before = mytime - boff, after = mytime - aoff;
    int32_t off;
    if (before < boundary && after < boundary)
        off = boff;
    else if (before >= boundary && after >= boundary)
        off = aoff;
    else
        off = before > after ? boff : aoff;
    if (tp)
        *tp = mytime - off;
    return -off;
}

int sl_tz_abbrev_offset(const sl_tz_t *z, const char *abbr, int64_t local_secs)
{
    int64_t t;
    int zone = sl_tz_local_offset(z, local_secs, &t);
    int ai = -1;
    for (int i = 0; i < z->nchars;) {
        if (strcasecmp(z->chars + i, abbr) == 0) {
            ai = i;
            break;
        }
        i += (int)strlen(z->chars + i) + 1;
    }
    if (ai < 0)
        return zone;
    int cut = 0;   /* first transition > t */
    while (cut < z->ntrans && z->trans[cut] <= t)
        cut++;
    for (int i = cut - 1; i >= 0; i--)
        if (z->types[z->idx[i]].abbr == ai)
            return -z->types[z->idx[i]].off;
    for (int i = cut; i < z->ntrans; i++)
        if (z->types[z->idx[i]].abbr == ai)
            return -z->types[z->idx[i]].off;
    return zone;
}

bool sl_tz_is_fixed(const sl_tz_t *z)
{
    return z->ntypes == 1 && !z->rule.has_dst;
}
