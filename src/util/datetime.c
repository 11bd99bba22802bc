/*
 * datetime.c: date, time, timestamp and timestamptz input with PostgreSQL
 * 15's rules, their ISO output, uuid input/output; see datetime.h.
 *
 * The full decoder follows PostgreSQL's two steps: split the text into
 * typed fields (parse_fields: numbers, dates with separators, times with
 * colons, signed zones, words) and interpret them one by one against a
 * mask of the fields seen so far (decode_datetime for date and the
 * timestamps, decode_time_only for time), then validate the calendar date.
 * The field types, word table and masks mirror PostgreSQL's so that the
 * same text is accepted, refused with the same SQLSTATE, or read as the
 * same instant.  The session settings are fixed: DateStyle ISO, MDY;
 * TimeZone UTC.
 */
#include "util/datetime.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/tzinfo.h"

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY SL_US_PER_DAY
#define QMAX 200

/* ---- character classes (the C locale's, as the server's) ---- */

static bool c_digit(char c) { return c >= '0' && c <= '9'; }
static bool c_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool c_alnum(char c) { return c_digit(c) || c_alpha(c); }
static bool c_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static bool c_punct(char c)
{
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
}
static char c_lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c; }
static bool c_xdigit(char c)
{
    return c_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* ---- calendar ---- */

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t sl_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floordiv(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sl_civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floordiv(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

bool sl_is_leap(int64_t y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int month_days(int64_t y, int m)
{
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return (m == 2 && sl_is_leap(y)) ? 29 : md[m - 1];
}

int sl_days_in_month(int64_t y, int m)
{
    return month_days(y, m);
}

#define JD_1970 INT64_C(2440588)

/* PostgreSQL's IS_VALID_JULIAN: 4714-11-01 BC .. 5874898-05-31 (by month). */
static bool valid_julian(int64_t y, int m)
{
    return (y > -4713 || (y == -4713 && m >= 11)) && (y < 5874898 || (y == 5874898 && m < 6));
}

/* ---- the decoder's vocabulary (PostgreSQL's datetime.h) ---- */

/* field types of parse_fields */
enum { F_NUMBER = 0, F_STRING, F_DATE, F_TIME, F_TZ, F_SPECIAL };

/* word types: bit positions in the masks */
enum {
    T_RESERV = 0, T_MONTH = 1, T_YEAR = 2, T_DAY = 3, T_JULIAN = 4, T_TZ = 5, T_DTZ = 6,
    T_DYNTZ = 7, T_IGNORE = 8, T_AMPM = 9, T_HOUR = 10, T_MINUTE = 11, T_SECOND = 12,
    T_MS = 13, T_US = 14, T_DOY = 15, T_DOW = 16, T_UNITS = 17, T_ADBC = 18,
    T_ISOTIME = 23, T_DTZMOD = 28, T_UNKNOWN = 31
};
#define M(t) ((int)(1u << (t)))
#define ALL_SECS_M (M(T_SECOND) | M(T_MS) | M(T_US))
#define DATE_M (M(T_YEAR) | M(T_MONTH) | M(T_DAY))
#define TIME_M (M(T_HOUR) | M(T_MINUTE) | ALL_SECS_M)

/* values of RESERV and UNITS words; also the result kinds (V_DATE ...) */
enum {
    V_NONE = 0, V_DATE, V_TIME, V_EARLY, V_LATE, V_EPOCH, V_NOW, V_YESTERDAY, V_TODAY,
    V_TOMORROW, V_ZULU, V_YEAR, V_MONTH, V_DAY, V_HOUR, V_MINUTE, V_SECOND, V_JULIAN,
    V_DOW, V_DOY, V_ISODOW, V_ISOYEAR, V_TZ
};
enum { AM = 0, PM = 1, HR24 = 2 };
enum { AD = 0, BC = 1 };

/* errors (PostgreSQL's DTERR_*) */
enum { E_OK = 0, E_FORMAT = -1, E_FIELD = -2, E_MDFIELD = -3, E_TZDISP = -5, E_ZONE = -6 };

typedef struct word {
    const char *tok;
    int type;
    int value;
} word_t;

/* PostgreSQL's datetktbl, sorted. */
static const word_t words[] = {
    {"-infinity", T_RESERV, V_EARLY}, {"ad", T_ADBC, AD}, {"allballs", T_RESERV, V_ZULU},
    {"am", T_AMPM, AM}, {"apr", T_MONTH, 4}, {"april", T_MONTH, 4}, {"at", T_IGNORE, 0},
    {"aug", T_MONTH, 8}, {"august", T_MONTH, 8}, {"bc", T_ADBC, BC}, {"d", T_UNITS, V_DAY},
    {"dec", T_MONTH, 12}, {"december", T_MONTH, 12}, {"dow", T_UNITS, V_DOW},
    {"doy", T_UNITS, V_DOY}, {"dst", T_DTZMOD, 3600}, {"epoch", T_RESERV, V_EPOCH},
    {"feb", T_MONTH, 2}, {"february", T_MONTH, 2}, {"fri", T_DOW, 5}, {"friday", T_DOW, 5},
    {"h", T_UNITS, V_HOUR}, {"infinity", T_RESERV, V_LATE}, {"isodow", T_UNITS, V_ISODOW},
    {"isoyear", T_UNITS, V_ISOYEAR}, {"j", T_UNITS, V_JULIAN}, {"jan", T_MONTH, 1},
    {"january", T_MONTH, 1}, {"jd", T_UNITS, V_JULIAN}, {"jul", T_MONTH, 7},
    {"julian", T_UNITS, V_JULIAN}, {"july", T_MONTH, 7}, {"jun", T_MONTH, 6},
    {"june", T_MONTH, 6}, {"m", T_UNITS, V_MONTH}, {"mar", T_MONTH, 3},
    {"march", T_MONTH, 3}, {"may", T_MONTH, 5}, {"mm", T_UNITS, V_MINUTE},
    {"mon", T_DOW, 1}, {"monday", T_DOW, 1}, {"nov", T_MONTH, 11},
    {"november", T_MONTH, 11}, {"now", T_RESERV, V_NOW}, {"oct", T_MONTH, 10},
    {"october", T_MONTH, 10}, {"on", T_IGNORE, 0}, {"pm", T_AMPM, PM},
    {"s", T_UNITS, V_SECOND}, {"sat", T_DOW, 6}, {"saturday", T_DOW, 6},
    {"sep", T_MONTH, 9}, {"sept", T_MONTH, 9}, {"september", T_MONTH, 9},
    {"sun", T_DOW, 0}, {"sunday", T_DOW, 0}, {"t", T_ISOTIME, V_TIME}, {"thu", T_DOW, 4},
    {"thur", T_DOW, 4}, {"thurs", T_DOW, 4}, {"thursday", T_DOW, 4},
    {"today", T_RESERV, V_TODAY}, {"tomorrow", T_RESERV, V_TOMORROW}, {"tue", T_DOW, 2},
    {"tues", T_DOW, 2}, {"tuesday", T_DOW, 2}, {"wed", T_DOW, 3},
    {"wednesday", T_DOW, 3}, {"weds", T_DOW, 3}, {"y", T_UNITS, V_YEAR},
    {"yesterday", T_RESERV, V_YESTERDAY},
};

enum { AB_TZ, AB_DTZ, AB_DYN };
typedef struct abbrev {
    const char *tok;
    int offset;             /* seconds east of UTC */
    int kind;               /* AB_TZ, AB_DTZ (daylight), AB_DYN (zone) */
    const char *zone;       /* AB_DYN */
} abbrev_t;

/* PostgreSQL's default timezone_abbreviations (timezonesets/Default). */
static const abbrev_t abbrevs[] = {
    {"acdt", 37800, AB_DTZ, NULL},
    {"acsst", 37800, AB_DTZ, NULL},
    {"acst", 34200, AB_TZ, NULL},
    {"act", -18000, AB_TZ, NULL},
    {"acwst", 31500, AB_TZ, NULL},
    {"adt", -10800, AB_DTZ, NULL},
    {"aedt", 39600, AB_DTZ, NULL},
    {"aesst", 39600, AB_DTZ, NULL},
    {"aest", 36000, AB_TZ, NULL},
    {"aft", 16200, AB_TZ, NULL},
    {"akdt", -28800, AB_DTZ, NULL},
    {"akst", -32400, AB_TZ, NULL},
    {"almst", 25200, AB_DTZ, NULL},
    {"almt", 21600, AB_TZ, NULL},
    {"amst", 0, AB_DYN, "Asia/Yerevan"},
    {"amt", -14400, AB_TZ, NULL},
    {"anast", 0, AB_DYN, "Asia/Anadyr"},
    {"anat", 0, AB_DYN, "Asia/Anadyr"},
    {"arst", 0, AB_DYN, "America/Argentina/Buenos_Aires"},
    {"art", 0, AB_DYN, "America/Argentina/Buenos_Aires"},
    {"ast", -14400, AB_TZ, NULL},
    {"awsst", 32400, AB_DTZ, NULL},
    {"awst", 28800, AB_TZ, NULL},
    {"azost", 0, AB_DTZ, NULL},
    {"azot", -3600, AB_TZ, NULL},
    {"azst", 0, AB_DYN, "Asia/Baku"},
    {"azt", 0, AB_DYN, "Asia/Baku"},
    {"bdst", 7200, AB_DTZ, NULL},
    {"bdt", 21600, AB_TZ, NULL},
    {"bnt", 28800, AB_TZ, NULL},
    {"bort", 28800, AB_TZ, NULL},
    {"bot", -14400, AB_TZ, NULL},
    {"bra", -10800, AB_TZ, NULL},
    {"brst", -7200, AB_DTZ, NULL},
    {"brt", -10800, AB_TZ, NULL},
    {"bst", 3600, AB_DTZ, NULL},
    {"btt", 21600, AB_TZ, NULL},
    {"cadt", 37800, AB_DTZ, NULL},
    {"cast", 34200, AB_TZ, NULL},
    {"cct", 28800, AB_TZ, NULL},
    {"cdt", -18000, AB_DTZ, NULL},
    {"cest", 7200, AB_DTZ, NULL},
    {"cet", 3600, AB_TZ, NULL},
    {"cetdst", 7200, AB_DTZ, NULL},
    {"chadt", 49500, AB_DTZ, NULL},
    {"chast", 45900, AB_TZ, NULL},
    {"chut", 36000, AB_TZ, NULL},
    {"ckt", 0, AB_DYN, "Pacific/Rarotonga"},
    {"clst", -10800, AB_DTZ, NULL},
    {"clt", 0, AB_DYN, "America/Santiago"},
    {"cot", -18000, AB_TZ, NULL},
    {"cst", -21600, AB_TZ, NULL},
    {"cxt", 25200, AB_TZ, NULL},
    {"davt", 0, AB_DYN, "Antarctica/Davis"},
    {"ddut", 36000, AB_TZ, NULL},
    {"easst", 0, AB_DYN, "Pacific/Easter"},
    {"east", 0, AB_DYN, "Pacific/Easter"},
    {"eat", 10800, AB_TZ, NULL},
    {"edt", -14400, AB_DTZ, NULL},
    {"eest", 10800, AB_DTZ, NULL},
    {"eet", 7200, AB_TZ, NULL},
    {"eetdst", 10800, AB_DTZ, NULL},
    {"egst", 0, AB_DTZ, NULL},
    {"egt", -3600, AB_TZ, NULL},
    {"est", -18000, AB_TZ, NULL},
    {"fet", 10800, AB_TZ, NULL},
    {"fjst", 46800, AB_DTZ, NULL},
    {"fjt", 43200, AB_TZ, NULL},
    {"fkst", 0, AB_DYN, "Atlantic/Stanley"},
    {"fkt", 0, AB_DYN, "Atlantic/Stanley"},
    {"fnst", -3600, AB_DTZ, NULL},
    {"fnt", -7200, AB_TZ, NULL},
    {"galt", -21600, AB_TZ, NULL},
    {"gamt", -32400, AB_TZ, NULL},
    {"gest", 0, AB_DYN, "Asia/Tbilisi"},
    {"get", 0, AB_DYN, "Asia/Tbilisi"},
    {"gft", -10800, AB_TZ, NULL},
    {"gilt", 43200, AB_TZ, NULL},
    {"gmt", 0, AB_TZ, NULL},
    {"gyt", 0, AB_DYN, "America/Guyana"},
    {"hkt", 28800, AB_TZ, NULL},
    {"hst", -36000, AB_TZ, NULL},
    {"ict", 25200, AB_TZ, NULL},
    {"idt", 10800, AB_DTZ, NULL},
    {"iot", 0, AB_DYN, "Indian/Chagos"},
    {"irkst", 0, AB_DYN, "Asia/Irkutsk"},
    {"irkt", 0, AB_DYN, "Asia/Irkutsk"},
    {"irt", 12600, AB_TZ, NULL},
    {"ist", 7200, AB_TZ, NULL},
    {"jayt", 32400, AB_TZ, NULL},
    {"jst", 32400, AB_TZ, NULL},
    {"kdt", 36000, AB_DTZ, NULL},
    {"kgst", 21600, AB_DTZ, NULL},
    {"kgt", 0, AB_DYN, "Asia/Bishkek"},
    {"kost", 0, AB_DYN, "Pacific/Kosrae"},
    {"krast", 0, AB_DYN, "Asia/Krasnoyarsk"},
    {"krat", 0, AB_DYN, "Asia/Krasnoyarsk"},
    {"kst", 32400, AB_TZ, NULL},
    {"lhdt", 0, AB_DYN, "Australia/Lord_Howe"},
    {"lhst", 37800, AB_TZ, NULL},
    {"ligt", 36000, AB_TZ, NULL},
    {"lint", 0, AB_DYN, "Pacific/Kiritimati"},
    {"lkt", 0, AB_DYN, "Asia/Colombo"},
    {"magst", 0, AB_DYN, "Asia/Magadan"},
    {"magt", 0, AB_DYN, "Asia/Magadan"},
    {"mart", -34200, AB_TZ, NULL},
    {"mawt", 0, AB_DYN, "Antarctica/Mawson"},
    {"mdt", -21600, AB_DTZ, NULL},
    {"mest", 7200, AB_DTZ, NULL},
    {"mesz", 7200, AB_DTZ, NULL},
    {"met", 3600, AB_TZ, NULL},
    {"metdst", 7200, AB_DTZ, NULL},
    {"mez", 3600, AB_TZ, NULL},
    {"mht", 43200, AB_TZ, NULL},
    {"mmt", 23400, AB_TZ, NULL},
    {"mpt", 36000, AB_TZ, NULL},
    {"msd", 14400, AB_DTZ, NULL},
    {"msk", 0, AB_DYN, "Europe/Moscow"},
    {"mst", -25200, AB_TZ, NULL},
    {"must", 18000, AB_DTZ, NULL},
    {"mut", 14400, AB_TZ, NULL},
    {"mvt", 18000, AB_TZ, NULL},
    {"myt", 28800, AB_TZ, NULL},
    {"ndt", -9000, AB_DTZ, NULL},
    {"nft", -12600, AB_TZ, NULL},
    {"novst", 0, AB_DYN, "Asia/Novosibirsk"},
    {"novt", 0, AB_DYN, "Asia/Novosibirsk"},
    {"npt", 20700, AB_TZ, NULL},
    {"nst", -12600, AB_TZ, NULL},
    {"nut", 0, AB_DYN, "Pacific/Niue"},
    {"nzdt", 46800, AB_DTZ, NULL},
    {"nzst", 43200, AB_TZ, NULL},
    {"nzt", 43200, AB_TZ, NULL},
    {"omsst", 0, AB_DYN, "Asia/Omsk"},
    {"omst", 0, AB_DYN, "Asia/Omsk"},
    {"pdt", -25200, AB_DTZ, NULL},
    {"pet", -18000, AB_TZ, NULL},
    {"petst", 0, AB_DYN, "Asia/Kamchatka"},
    {"pett", 0, AB_DYN, "Asia/Kamchatka"},
    {"pgt", 36000, AB_TZ, NULL},
    {"pht", 28800, AB_TZ, NULL},
    {"pkst", 21600, AB_DTZ, NULL},
    {"pkt", 18000, AB_TZ, NULL},
    {"pmdt", -7200, AB_DTZ, NULL},
    {"pmst", -10800, AB_TZ, NULL},
    {"pont", 39600, AB_TZ, NULL},
    {"pst", -28800, AB_TZ, NULL},
    {"pwt", 32400, AB_TZ, NULL},
    {"pyst", -10800, AB_DTZ, NULL},
    {"pyt", 0, AB_DYN, "America/Asuncion"},
    {"ret", 14400, AB_TZ, NULL},
    {"sadt", 37800, AB_DTZ, NULL},
    {"sast", 7200, AB_TZ, NULL},
    {"sct", 14400, AB_TZ, NULL},
    {"sgt", 0, AB_DYN, "Asia/Singapore"},
    {"taht", -36000, AB_TZ, NULL},
    {"tft", 18000, AB_TZ, NULL},
    {"tjt", 18000, AB_TZ, NULL},
    {"tkt", 0, AB_DYN, "Pacific/Fakaofo"},
    {"tmt", 0, AB_DYN, "Asia/Ashgabat"},
    {"tot", 46800, AB_TZ, NULL},
    {"trut", 36000, AB_TZ, NULL},
    {"tvt", 43200, AB_TZ, NULL},
    {"uct", 0, AB_TZ, NULL},
    {"ulast", 32400, AB_DTZ, NULL},
    {"ulat", 0, AB_DYN, "Asia/Ulaanbaatar"},
    {"ut", 0, AB_TZ, NULL},
    {"utc", 0, AB_TZ, NULL},
    {"uyst", -7200, AB_DTZ, NULL},
    {"uyt", -10800, AB_TZ, NULL},
    {"uzst", 21600, AB_DTZ, NULL},
    {"uzt", 18000, AB_TZ, NULL},
    {"vet", 0, AB_DYN, "America/Caracas"},
    {"vlast", 0, AB_DYN, "Asia/Vladivostok"},
    {"vlat", 0, AB_DYN, "Asia/Vladivostok"},
    {"volt", 0, AB_DYN, "Europe/Volgograd"},
    {"vut", 39600, AB_TZ, NULL},
    {"wadt", 28800, AB_DTZ, NULL},
    {"wakt", 43200, AB_TZ, NULL},
    {"wast", 25200, AB_TZ, NULL},
    {"wat", 3600, AB_TZ, NULL},
    {"wdt", 32400, AB_DTZ, NULL},
    {"wet", 0, AB_TZ, NULL},
    {"wetdst", 3600, AB_DTZ, NULL},
    {"wft", 43200, AB_TZ, NULL},
    {"wgst", -7200, AB_DTZ, NULL},
    {"wgt", -10800, AB_TZ, NULL},
    {"xjt", 21600, AB_TZ, NULL},
    {"yakst", 0, AB_DYN, "Asia/Yakutsk"},
    {"yakt", 0, AB_DYN, "Asia/Yakutsk"},
    {"yapt", 36000, AB_TZ, NULL},
    {"yekst", 21600, AB_DTZ, NULL},
    {"yekt", 0, AB_DYN, "Asia/Yekaterinburg"},
    {"z", 0, AB_TZ, NULL},
    {"zulu", 0, AB_TZ, NULL},
};

static const word_t *word_find(const char *tok)
{
    size_t lo = 0, hi = sizeof(words) / sizeof(words[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(tok, words[mid].tok);
        if (c == 0)
            return &words[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

static const abbrev_t *abbrev_find(const char *tok)
{
    size_t lo = 0, hi = sizeof(abbrevs) / sizeof(abbrevs[0]);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(tok, abbrevs[mid].tok);
        if (c == 0)
            return &abbrevs[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* ---- numbers as PostgreSQL's strtoint / atoi read them ---- */

/* strtol's syntax (spaces, sign, digits; *end = s when no digits) into an
 * int: returns false on a value outside int (ERANGE). */
static bool str_to_int(const char *s, const char **end, int *out)
{
    const char *p = s;
    while (c_space(*p))
        p++;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    if (!c_digit(*p)) {
        *end = s;
        *out = 0;
        return true;
    }
    int64_t v = 0;
    bool big = false;
    while (c_digit(*p)) {
        if (v <= INT64_C(1) << 40)
            v = v * 10 + (*p - '0');
        else
            big = true;
        p++;
    }
    *end = p;
    if (neg)
        v = -v;
    if (big || v < INT32_MIN || v > INT32_MAX) {
        *out = 0;
        return false;
    }
    *out = (int)v;
    return true;
}

/* atoi as glibc computes it: strtol (saturating at the long range), then
 * truncated to int. */
static int c_atoi(const char *s)
{
    const char *p = s;
    while (c_space(*p))
        p++;
    bool neg = false;
    if (*p == '+' || *p == '-')
        neg = *p++ == '-';
    uint64_t v = 0;
    bool sat = false;
    while (c_digit(*p)) {
        if (!sat) {
            if (v > (UINT64_C(9223372036854775807) - (uint64_t)(*p - '0')) / 10)
                sat = true;
            else
                v = v * 10 + (uint64_t)(*p - '0');
        }
        p++;
    }
    int64_t l = sat ? (neg ? INT64_MIN : INT64_MAX) : (neg ? -(int64_t)v : (int64_t)v);
    return (int)(uint32_t)(uint64_t)l;
}

/* ParseFraction: ".ddd" (or "." alone) to a double. */
static int parse_fraction(const char *cp, double *frac)
{
    if (cp[1] == '\0') {
        *frac = 0;
        return E_OK;
    }
    char *end;
    errno = 0;
    *frac = strtod(cp, &end);
    if (*end != '\0' || errno != 0)
        return E_FORMAT;
    return E_OK;
}

static int parse_fsec(const char *cp, int64_t *fsec)
{
    double f;
    int rc = parse_fraction(cp, &f);
    if (rc != E_OK)
        return rc;
    *fsec = (int64_t)rint(f * 1000000);
    return E_OK;
}

/* ---- splitting into fields (PostgreSQL's ParseDateTime) ---- */

#define MAXFIELDS 25

typedef struct fields {
    char *f[MAXFIELDS];
    int t[MAXFIELDS];
    int n;
    char zone[256];   /* E_ZONE: the zone name not recognized */
} fields_t;

#define APPEND(c)                 \
    do {                          \
        if (bp + 1 >= bend)       \
            return E_FORMAT;      \
        *bp++ = (c);              \
    } while (0)

static int parse_fields(const char *s, const char *e, char *buf, size_t bufsize, fields_t *fl)
{
    const char *p = s;
    char *bp = buf, *bend = buf + bufsize;
    int nf = 0;
#define AT(k) (p + (k) < e ? p[k] : '\0')
    while (p < e) {
        if (c_space(*p)) {
            p++;
            continue;
        }
        if (nf >= MAXFIELDS)
            return E_FORMAT;
        fl->f[nf] = bp;
        if (c_digit(*p)) {
            APPEND(*p++);
            while (c_digit(AT(0)))
                APPEND(*p++);
            if (AT(0) == ':') {
                fl->t[nf] = F_TIME;
                APPEND(*p++);
                while (c_digit(AT(0)) || AT(0) == ':' || AT(0) == '.')
                    APPEND(*p++);
            } else if (AT(0) == '-' || AT(0) == '/' || AT(0) == '.') {
                char delim = *p;
                APPEND(*p++);
                if (c_digit(AT(0))) {
                    fl->t[nf] = delim == '.' ? F_NUMBER : F_DATE;
                    while (c_digit(AT(0)))
                        APPEND(*p++);
                    if (AT(0) == delim) {
                        fl->t[nf] = F_DATE;
                        APPEND(*p++);
                        while (c_digit(AT(0)) || AT(0) == delim)
                            APPEND(*p++);
                    }
                } else {
                    fl->t[nf] = F_DATE;
                    while (c_alnum(AT(0)) || AT(0) == delim)
                        APPEND(c_lower(*p++));
                }
            } else {
                fl->t[nf] = F_NUMBER;
            }
        } else if (*p == '.') {
            APPEND(*p++);
            while (c_digit(AT(0)))
                APPEND(*p++);
            fl->t[nf] = F_NUMBER;
        } else if (c_alpha(*p)) {
            fl->t[nf] = F_STRING;
            APPEND(c_lower(*p++));
            while (c_alpha(AT(0)))
                APPEND(c_lower(*p++));
            bool is_date = false;
            char c = AT(0);
            if (c == '-' || c == '/' || c == '.') {
                is_date = true;
            } else if (c == '+' || c_digit(c)) {
                *bp = '\0';
                if (word_find(fl->f[nf]) == NULL)
                    is_date = true;
            }
            if (is_date) {
                fl->t[nf] = F_DATE;
                do {
                    APPEND(c_lower(*p++));
                    c = AT(0);
                } while (c == '+' || c == '-' || c == '/' || c == '_' || c == '.' || c == ':' ||
                         c_alnum(c));
            }
        } else if (*p == '+' || *p == '-') {
            APPEND(*p++);
            while (c_space(AT(0)))
                p++;
            if (c_digit(AT(0))) {
                fl->t[nf] = F_TZ;
                APPEND(*p++);
                while (c_digit(AT(0)) || AT(0) == ':' || AT(0) == '.' || AT(0) == '-')
                    APPEND(*p++);
            } else if (c_alpha(AT(0))) {
                fl->t[nf] = F_SPECIAL;
                APPEND(c_lower(*p++));
                while (c_alpha(AT(0)))
                    APPEND(c_lower(*p++));
            } else {
                return E_FORMAT;
            }
        } else if (c_punct(*p)) {
            p++;
            continue;
        } else {
            return E_FORMAT;
        }
        *bp++ = '\0';
        nf++;
    }
#undef AT
    fl->n = nf;
    return E_OK;
}

/* ---- field decoders ---- */

typedef struct dtm {
    int year, mon, mday, hour, min, sec, yday, isdst;
    int64_t fsec;
} dtm_t;

/* DecodeTimezone: "+hh[:mm[:ss]]" / "-hhmm" to seconds west of UTC. */
static int decode_tz(const char *str, int *tzp)
{
    const char *cp;
    int hr, min, sec = 0;
    if (*str != '+' && *str != '-')
        return E_FORMAT;
    if (!str_to_int(str + 1, &cp, &hr))
        return E_TZDISP;
    if (*cp == ':') {
        if (!str_to_int(cp + 1, &cp, &min))
            return E_TZDISP;
        if (*cp == ':' && !str_to_int(cp + 1, &cp, &sec))
            return E_TZDISP;
    } else if (*cp == '\0' && strlen(str) > 3) {
        min = hr % 100;
        hr = hr / 100;
    } else {
        min = 0;
    }
    if (hr < 0 || hr > 15 || min < 0 || min >= 60 || sec < 0 || sec >= 60)
        return E_TZDISP;
    int tz = (hr * 60 + min) * 60 + sec;
    if (*str == '-')
        tz = -tz;
    *tzp = -tz;
    if (*cp != '\0')
        return E_FORMAT;
    return E_OK;
}

/* DecodeNumberField: run-together digits (yyyymmdd, hhmmss[.fff], hhmm);
 * returns V_DATE / V_TIME or an error. */
static int decode_number_field(int len, char *str, int fmask, int *tmask, dtm_t *tm,
                               bool *is2digits)
{
    char *cp = strchr(str, '.');
    if (cp != NULL) {
        if (cp[1] == '\0') {
            tm->fsec = 0;
        } else {
            errno = 0;
            double frac = strtod(cp, NULL);
            if (errno != 0)
                return E_FORMAT;
            tm->fsec = (int64_t)rint(frac * 1000000);
        }
        *cp = '\0';
        len = (int)strlen(str);
    } else if ((fmask & DATE_M) != DATE_M) {
        if (len >= 6) {
            *tmask = DATE_M;
            tm->mday = c_atoi(str + (len - 2));
            str[len - 2] = '\0';
            tm->mon = c_atoi(str + (len - 4));
            str[len - 4] = '\0';
            tm->year = c_atoi(str);
            if (len - 4 == 2)
                *is2digits = true;
            return V_DATE;
        }
    }
    if ((fmask & TIME_M) != TIME_M) {
        if (len == 6) {
            *tmask = TIME_M;
            tm->sec = c_atoi(str + 4);
            str[4] = '\0';
            tm->min = c_atoi(str + 2);
            str[2] = '\0';
            tm->hour = c_atoi(str);
            return V_TIME;
        } else if (len == 4) {
            *tmask = TIME_M;
            tm->sec = 0;
            tm->min = c_atoi(str + 2);
            str[2] = '\0';
            tm->hour = c_atoi(str);
            return V_TIME;
        }
    }
    return E_FORMAT;
}

/* DecodeNumber: one number whose meaning depends on what came before
 * (DateOrder MDY). */
static int decode_number(int flen, char *str, bool text_month, int fmask, int *tmask,
                         dtm_t *tm, bool *is2digits)
{
    const char *cp;
    int val;
    *tmask = 0;
    if (!str_to_int(str, &cp, &val))
        return E_FIELD;
    if (cp == str)
        return E_FORMAT;
    if (*cp == '.') {
        if (cp - str > 2) {
            int rc = decode_number_field(flen, str, fmask | DATE_M, tmask, tm, is2digits);
            return rc < 0 ? rc : E_OK;
        }
        int rc = parse_fsec(cp, &tm->fsec);
        if (rc != E_OK)
            return rc;
    } else if (*cp != '\0') {
        return E_FORMAT;
    }
    if (flen == 3 && (fmask & DATE_M) == M(T_YEAR) && val >= 1 && val <= 366) {
        *tmask = M(T_DOY) | M(T_MONTH) | M(T_DAY);
        tm->yday = val;
        return E_OK;
    }
    switch (fmask & DATE_M) {
    case 0:
        if (flen >= 3) {
            *tmask = M(T_YEAR);
            tm->year = val;
        } else {
            *tmask = M(T_MONTH);
            tm->mon = val;
        }
        break;
    case M(T_YEAR):
        *tmask = M(T_MONTH);
        tm->mon = val;
        break;
    case M(T_MONTH):
        if (text_month) {
            if (flen >= 3) {
                *tmask = M(T_YEAR);
                tm->year = val;
            } else {
                *tmask = M(T_DAY);
                tm->mday = val;
            }
        } else {
            *tmask = M(T_DAY);
            tm->mday = val;
        }
        break;
    case M(T_YEAR) | M(T_MONTH):
        if (text_month && flen >= 3 && *is2digits) {
            *tmask = M(T_DAY);
            tm->mday = tm->year;
            tm->year = val;
            *is2digits = false;
        } else {
            *tmask = M(T_DAY);
            tm->mday = val;
        }
        break;
    case M(T_DAY):
        *tmask = M(T_MONTH);
        tm->mon = val;
        break;
    case M(T_MONTH) | M(T_DAY):
        *tmask = M(T_YEAR);
        tm->year = val;
        break;
    case M(T_YEAR) | M(T_MONTH) | M(T_DAY): {
        int rc = decode_number_field(flen, str, fmask, tmask, tm, is2digits);
        return rc < 0 ? rc : E_OK;
    }
    default:
        return E_FORMAT;
    }
    if (*tmask == M(T_YEAR))
        *is2digits = flen <= 2;
    return E_OK;
}

/* DecodeDate: a field with separators ("2001-02-03", "feb-3-2001"). */
static int decode_date(char *str, int fmask, int *tmask, bool *is2digits, dtm_t *tm)
{
    char *field[MAXFIELDS];
    int nf = 0, dmask = 0;
    bool text_month = false;
    *tmask = 0;
    while (*str != '\0' && nf < MAXFIELDS) {
        while (*str != '\0' && !c_alnum(*str))
            str++;
        if (*str == '\0')
            return E_FORMAT;
        field[nf] = str;
        if (c_digit(*str)) {
            while (c_digit(*str))
                str++;
        } else if (c_alpha(*str)) {
            while (c_alpha(*str))
                str++;
        }
        if (*str != '\0')
            *str++ = '\0';
        nf++;
    }
    for (int i = 0; i < nf; i++) {
        if (!c_alpha(*field[i]))
            continue;
        const word_t *w = word_find(field[i]);
        int type = w ? w->type : T_UNKNOWN;
        if (type == T_IGNORE)
            continue;
        dmask = M(type);
        if (type != T_MONTH)
            return E_FORMAT;
        tm->mon = w->value;
        text_month = true;
        if (fmask & dmask)
            return E_FORMAT;
        fmask |= dmask;
        *tmask |= dmask;
        field[i] = NULL;
    }
    for (int i = 0; i < nf; i++) {
        if (field[i] == NULL)
            continue;
        int len = (int)strlen(field[i]);
        if (len <= 0)
            return E_FORMAT;
        int rc = decode_number(len, field[i], text_month, fmask, &dmask, tm, is2digits);
        if (rc != E_OK)
            return rc;
        if (fmask & dmask)
            return E_FORMAT;
        fmask |= dmask;
        *tmask |= dmask;
    }
    if ((fmask & ~(M(T_DOY) | M(T_TZ))) != DATE_M)
        return E_FORMAT;
    return E_OK;
}

/* DecodeTime: "hh:mm[:ss[.fff]]" or "mm:ss.fff". */
static int decode_time(const char *str, int *tmask, dtm_t *tm)
{
    const char *cp;
    *tmask = TIME_M;
    if (!str_to_int(str, &cp, &tm->hour))
        return E_FIELD;
    if (*cp != ':')
        return E_FORMAT;
    if (!str_to_int(cp + 1, &cp, &tm->min))
        return E_FIELD;
    if (*cp == '\0') {
        tm->sec = 0;
        tm->fsec = 0;
    } else if (*cp == '.') {
        int rc = parse_fsec(cp, &tm->fsec);
        if (rc != E_OK)
            return rc;
        tm->sec = tm->min;
        tm->min = tm->hour;
        tm->hour = 0;
    } else if (*cp == ':') {
        if (!str_to_int(cp + 1, &cp, &tm->sec))
            return E_FIELD;
        if (*cp == '\0') {
            tm->fsec = 0;
        } else if (*cp == '.') {
            int rc = parse_fsec(cp, &tm->fsec);
            if (rc != E_OK)
                return rc;
        } else {
            return E_FORMAT;
        }
    } else {
        return E_FORMAT;
    }
    if (tm->hour < 0 || tm->min < 0 || tm->min > 59 || tm->sec < 0 || tm->sec > 60 ||
        tm->fsec < 0 || tm->fsec > US_PER_SEC)
        return E_FIELD;
    return E_OK;
}

static bool time_overflows(int hour, int min, int sec, int64_t fsec)
{
    if (hour < 0 || hour > 24 || min < 0 || min >= 60 || sec < 0 || sec > 60 || fsec < 0 ||
        fsec > US_PER_SEC)
        return true;
    return (((int64_t)hour * 60 + min) * 60 + sec) * US_PER_SEC + fsec > US_PER_DAY;
}

/* ValidateDate: years (BC, two digits), day of year, month and day. */
static int validate_date(int fmask, bool julian, bool is2digits, bool bc, dtm_t *tm)
{
    if (fmask & M(T_YEAR)) {
        if (julian) {
            /* as it is */
        } else if (bc) {
            if (tm->year <= 0)
                return E_FIELD;
            tm->year = -(tm->year - 1);
        } else if (is2digits) {
            if (tm->year < 0)
                return E_FIELD;
            if (tm->year < 70)
                tm->year += 2000;
            else if (tm->year < 100)
                tm->year += 1900;
        } else if (tm->year <= 0) {
            return E_FIELD;
        }
    }
    if (fmask & M(T_DOY)) {
        int64_t y;
        int m, d;
        sl_civil_from_days(sl_days_from_civil(tm->year, 1, 1) + tm->yday - 1, &y, &m, &d);
        tm->year = (int)y;
        tm->mon = m;
        tm->mday = d;
    }
    if ((fmask & M(T_MONTH)) && (tm->mon < 1 || tm->mon > 12))
        return E_MDFIELD;
    if ((fmask & M(T_DAY)) && (tm->mday < 1 || tm->mday > 31))
        return E_MDFIELD;
    if ((fmask & DATE_M) == DATE_M && tm->mday > month_days(tm->year, tm->mon))
        return E_FIELD;
    return E_OK;
}

/* The current time in UTC, as PostgreSQL's 'now' (here: the clock). */
static void now_tm(dtm_t *tm)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t secs = (int64_t)ts.tv_sec;
    int64_t days = floordiv(secs, 86400), s = secs - days * 86400;
    int64_t y;
    int m, d;
    sl_civil_from_days(days, &y, &m, &d);
    tm->year = (int)y;
    tm->mon = m;
    tm->mday = d;
    tm->hour = (int)(s / 3600);
    tm->min = (int)(s / 60 % 60);
    tm->sec = (int)(s % 60);
    tm->fsec = ts.tv_nsec / 1000;
}

static void shift_days(dtm_t *tm, int k)
{
    int64_t y;
    int m, d;
    sl_civil_from_days(sl_days_from_civil(tm->year, tm->mon, tm->mday) + k, &y, &m, &d);
    tm->year = (int)y;
    tm->mon = m;
    tm->mday = d;
}

static int64_t local_secs_of(const dtm_t *tm)
{
    return sl_days_from_civil(tm->year, tm->mon, tm->mday) * 86400 +
           ((int64_t)tm->hour * 60 + tm->min) * 60 + tm->sec;
}

/* DecodeTimezoneAbbrev then DecodeSpecial: the word's type and value. */
static int word_type(const char *f, int *val, const abbrev_t **ab)
{
    *ab = abbrev_find(f);
    if (*ab) {
        *val = (*ab)->offset;
        return (*ab)->kind == AB_TZ ? T_TZ : (*ab)->kind == AB_DTZ ? T_DTZ : T_DYNTZ;
    }
    const word_t *w = word_find(f);
    if (w == NULL)
        return T_UNKNOWN;
    *val = w->value;
    return w->type;
}

/* A number after a unit prefix (ptype: "y2026", "J2451545", "T0405"),
 * the same in DecodeDateTime and DecodeTimeOnly; *time_kind gets
 * decode_number_field's kind for a "T" time. */
static int decode_prefixed(char *f, int ptype, int fmask, int *tmask, dtm_t *tm,
                           bool *julian, bool *is2digits, int *time_kind)
{
    int val, rc;
    const char *cp;
    if (!str_to_int(f, &cp, &val))
        return E_FIELD;
    if (*cp == '.') {
        if (ptype != V_JULIAN && ptype != V_TIME && ptype != V_SECOND)
            return E_FORMAT;
    } else if (*cp != '\0') {
        return E_FORMAT;
    }
    switch (ptype) {
    case V_YEAR:
        tm->year = val;
        *tmask = M(T_YEAR);
        break;
    case V_MONTH:
        if ((fmask & M(T_MONTH)) && (fmask & M(T_HOUR))) {
            tm->min = val;
            *tmask = M(T_MINUTE);
        } else {
            tm->mon = val;
            *tmask = M(T_MONTH);
        }
        break;
    case V_DAY:
        tm->mday = val;
        *tmask = M(T_DAY);
        break;
    case V_HOUR:
        tm->hour = val;
        *tmask = M(T_HOUR);
        break;
    case V_MINUTE:
        tm->min = val;
        *tmask = M(T_MINUTE);
        break;
    case V_SECOND:
        tm->sec = val;
        *tmask = M(T_SECOND);
        if (*cp == '.') {
            if ((rc = parse_fsec(cp, &tm->fsec)) != E_OK)
                return rc;
            *tmask = ALL_SECS_M;
        }
        break;
    case V_JULIAN: {
        if (val < 0)
            return E_FIELD;
        *tmask = DATE_M;
        int64_t y;
        int m, d;
        sl_civil_from_days((int64_t)val - JD_1970, &y, &m, &d);
        tm->year = (int)y;
        tm->mon = m;
        tm->mday = d;
        *julian = true;
        if (*cp == '.') {
            double t;
            if ((rc = parse_fraction(cp, &t)) != E_OK)
                return rc;
            int64_t us = (int64_t)(t * (double)US_PER_DAY);
            tm->hour = (int)(us / (3600 * US_PER_SEC));
            us -= tm->hour * 3600 * US_PER_SEC;
            tm->min = (int)(us / (60 * US_PER_SEC));
            us -= tm->min * 60 * US_PER_SEC;
            tm->sec = (int)(us / US_PER_SEC);
            tm->fsec = us - tm->sec * US_PER_SEC;
            *tmask |= TIME_M;
        }
        break;
    }
    case V_TIME:
        rc = decode_number_field((int)strlen(f), f, fmask | DATE_M, tmask, tm,
                                 is2digits);
        if (rc < 0)
            return rc;
        *time_kind = rc;
        if (*tmask != TIME_M)
            return E_FORMAT;
        break;
    default:
        return E_FORMAT;
    }
    return E_OK;
}

/* DecodeDateTime: fields -> *kind (V_DATE, V_EPOCH, V_LATE, V_EARLY),
 * *tm and *tzp (seconds west of UTC). */
static int decode_datetime(fields_t *fl, int *kind, dtm_t *tm, int *tzp)
{
    int fmask = 0, tmask = 0, ptype = 0, mer = HR24, val;
    bool text_month = false, julian = false, is2digits = false, bc = false;
    const sl_tz_t *named = NULL, *abbrev_tz = NULL;
    const char *abbrev = NULL;
    int rc;

    *kind = V_DATE;
    memset(tm, 0, sizeof(*tm));
    tm->isdst = -1;
    *tzp = 0;
    for (int i = 0; i < fl->n; i++) {
        char *f = fl->f[i];
        switch (fl->t[i]) {
        case F_DATE:
            if (ptype == V_JULIAN) {
                const char *cp;
                if (!str_to_int(f, &cp, &val) || val < 0)
                    return E_FIELD;
                int64_t y;
                int m, d;
                sl_civil_from_days((int64_t)val - JD_1970, &y, &m, &d);
                tm->year = (int)y;
                tm->mon = m;
                tm->mday = d;
                julian = true;
                if ((rc = decode_tz(cp, tzp)) != E_OK)
                    return rc;
                tmask = DATE_M | TIME_M | M(T_TZ);
                ptype = 0;
                break;
            } else if (ptype != 0 ||
                       (fmask & (M(T_MONTH) | M(T_DAY))) == (M(T_MONTH) | M(T_DAY))) {
                if (c_digit(*f) || ptype != 0) {
                    if (ptype != 0) {
                        if (ptype != V_TIME)
                            return E_FORMAT;
                        ptype = 0;
                    }
                    if ((fmask & TIME_M) == TIME_M)
                        return E_FORMAT;
                    char *cp = strchr(f, '-');
                    if (cp == NULL)
                        return E_FORMAT;
                    if ((rc = decode_tz(cp, tzp)) != E_OK)
                        return rc;
                    *cp = '\0';
                    rc = decode_number_field((int)strlen(f), f, fmask, &tmask, tm, &is2digits);
                    if (rc < 0)
                        return rc;
                    tmask |= M(T_TZ);
                } else {
                    named = sl_tz_find(f);
                    if (named == NULL) {
                        snprintf(fl->zone, sizeof(fl->zone), "%s", f);
                        return E_ZONE;
                    }
                    tmask = M(T_TZ);
                }
            } else {
                if ((rc = decode_date(f, fmask, &tmask, &is2digits, tm)) != E_OK)
                    return rc;
            }
            break;
        case F_TIME:
            if (ptype != 0) {
                if (ptype != V_TIME)
                    return E_FORMAT;
                ptype = 0;
            }
            if ((rc = decode_time(f, &tmask, tm)) != E_OK)
                return rc;
            if (time_overflows(tm->hour, tm->min, tm->sec, tm->fsec))
                return E_FIELD;
            break;
        case F_TZ: {
            int tz;
            if ((rc = decode_tz(f, &tz)) != E_OK)
                return rc;
            *tzp = tz;
            tmask = M(T_TZ);
            break;
        }
        case F_NUMBER:
            if (ptype != 0) {
                int vtime;
                if ((rc = decode_prefixed(f, ptype, fmask, &tmask, tm, &julian, &is2digits,
                                          &vtime)) != E_OK)
                    return rc;
                ptype = 0;
                *kind = V_DATE;
            } else {
                int flen = (int)strlen(f);
                char *cp = strchr(f, '.');
                if (cp != NULL && !(fmask & DATE_M)) {
                    if ((rc = decode_date(f, fmask, &tmask, &is2digits, tm)) != E_OK)
                        return rc;
                } else if (cp != NULL && flen - (int)strlen(cp) > 2) {
                    rc = decode_number_field(flen, f, fmask, &tmask, tm, &is2digits);
                    if (rc < 0)
                        return rc;
                } else if (flen >= 6 && (!(fmask & DATE_M) || !(fmask & TIME_M))) {
                    rc = decode_number_field(flen, f, fmask, &tmask, tm, &is2digits);
                    if (rc < 0)
                        return rc;
                } else {
                    rc = decode_number(flen, f, text_month, fmask, &tmask, tm, &is2digits);
                    if (rc != E_OK)
                        return rc;
                }
            }
            break;
        case F_STRING:
        case F_SPECIAL: {
            const abbrev_t *ab;
            int type = word_type(f, &val, &ab);
            if (type == T_IGNORE)
                continue;
            tmask = M(type);
            switch (type) {
            case T_RESERV:
                switch (val) {
                case V_NOW:
                    tmask = DATE_M | TIME_M | M(T_TZ);
                    *kind = V_DATE;
                    now_tm(tm);
                    *tzp = 0;
                    break;
                case V_YESTERDAY:
                case V_TODAY:
                case V_TOMORROW: {
                    tmask = DATE_M;
                    *kind = V_DATE;
                    dtm_t cur;
                    now_tm(&cur);
                    tm->year = cur.year;
                    tm->mon = cur.mon;
                    tm->mday = cur.mday;
                    shift_days(tm, val == V_YESTERDAY ? -1 : val == V_TOMORROW ? 1 : 0);
                    break;
                }
                case V_ZULU:
                    tmask = TIME_M | M(T_TZ);
                    *kind = V_DATE;
                    tm->hour = tm->min = tm->sec = 0;
                    *tzp = 0;
                    break;
                default: /* epoch, infinity, -infinity: the other fields are
                            checked, then ignored */
                    *kind = val;
                    break;
                }
                break;
            case T_MONTH:
                if ((fmask & M(T_MONTH)) && !text_month && !(fmask & M(T_DAY)) &&
                    tm->mon >= 1 && tm->mon <= 31) {
                    tm->mday = tm->mon;
                    tmask = M(T_DAY);
                }
                text_month = true;
                tm->mon = val;
                break;
            case T_DTZMOD:
                tmask |= M(T_DTZ);
                tm->isdst = 1;
                *tzp -= val;
                break;
            case T_DTZ:
                tmask |= M(T_TZ);
                tm->isdst = 1;
                *tzp = -val;
                break;
            case T_TZ:
                tm->isdst = 0;
                *tzp = -val;
                break;
            case T_DYNTZ:
                tmask |= M(T_TZ);
                abbrev_tz = sl_tz_find(ab->zone);
                abbrev = f;
                if (abbrev_tz == NULL)   /* zoneinfo without the zone */
                    return E_FORMAT;
                break;
            case T_AMPM:
                mer = val;
                break;
            case T_ADBC:
                bc = val == BC;
                break;
            case T_DOW:
                break;
            case T_UNITS:
                tmask = 0;
                ptype = val;
                break;
            case T_ISOTIME:
                tmask = 0;
                if ((fmask & DATE_M) != DATE_M)
                    return E_FORMAT;
                if (i >= fl->n - 1 ||
                    (fl->t[i + 1] != F_NUMBER && fl->t[i + 1] != F_TIME &&
                     fl->t[i + 1] != F_DATE))
                    return E_FORMAT;
                ptype = val;
                break;
            case T_UNKNOWN:
                named = sl_tz_find(f);
                if (named == NULL)
                    return E_FORMAT;
                tmask = M(T_TZ);
                break;
            default:
                return E_FORMAT;
            }
            break;
        }
        default:
            return E_FORMAT;
        }
        if (tmask & fmask)
            return E_FORMAT;
        fmask |= tmask;
    }
    if ((rc = validate_date(fmask, julian, is2digits, bc, tm)) != E_OK)
        return rc;
    if (mer != HR24 && tm->hour > 12)
        return E_FIELD;
    if (mer == AM && tm->hour == 12)
        tm->hour = 0;
    else if (mer == PM && tm->hour != 12)
        tm->hour += 12;
    if (*kind == V_DATE) {
        if ((fmask & DATE_M) != DATE_M)
            return E_FORMAT;   /* PostgreSQL's "1" for a time alone: the same error */
        if (named != NULL) {
            if (fmask & M(T_DTZMOD))
                return E_FORMAT;
            *tzp = valid_julian(tm->year, tm->mon)
                       ? sl_tz_local_offset(named, local_secs_of(tm), NULL) : 0;
        }
        if (abbrev_tz != NULL) {
            if (fmask & M(T_DTZMOD))
                return E_FORMAT;
            *tzp = valid_julian(tm->year, tm->mon)
                       ? sl_tz_abbrev_offset(abbrev_tz, abbrev, local_secs_of(tm)) : 0;
        }
        if (!(fmask & M(T_TZ))) {
            if (fmask & M(T_DTZMOD))
                return E_FORMAT;
            *tzp = 0;   /* the session's zone, UTC */
        }
    }
    return E_OK;
}

/* DecodeTimeOnly (time_in): fields -> *tm. */
static int decode_time_only(fields_t *fl, dtm_t *tm, int *tzp)
{
    int fmask = 0, tmask = 0, ptype = 0, mer = HR24, val;
    bool julian = false, is2digits = false, bc = false;
    const sl_tz_t *named = NULL, *abbrev_tz = NULL;
    int rc;

    memset(tm, 0, sizeof(*tm));
    tm->isdst = -1;
    *tzp = 0;
    for (int i = 0; i < fl->n; i++) {
        char *f = fl->f[i];
        switch (fl->t[i]) {
        case F_DATE:
            if (i == 0 && fl->n >= 2 && (fl->t[fl->n - 1] == F_DATE || fl->t[1] == F_TIME)) {
                if ((rc = decode_date(f, fmask, &tmask, &is2digits, tm)) != E_OK)
                    return rc;
            } else if (c_digit(*f)) {
                if ((fmask & TIME_M) == TIME_M)
                    return E_FORMAT;
                char *cp = strchr(f, '-');
                if (cp == NULL)
                    return E_FORMAT;
                if ((rc = decode_tz(cp, tzp)) != E_OK)
                    return rc;
                *cp = '\0';
                rc = decode_number_field((int)strlen(f), f, fmask | DATE_M, &tmask, tm,
                                         &is2digits);
                if (rc < 0)
                    return rc;
                fl->t[i] = rc == V_DATE ? F_DATE : F_TIME;
                tmask |= M(T_TZ);
            } else {
                named = sl_tz_find(f);
                if (named == NULL) {
                    snprintf(fl->zone, sizeof(fl->zone), "%s", f);
                    return E_ZONE;
                }
                fl->t[i] = F_TZ;
                tmask = M(T_TZ);
            }
            break;
        case F_TIME:
            if ((rc = decode_time(f, &tmask, tm)) != E_OK)
                return rc;
            break;
        case F_TZ: {
            int tz;
            if ((rc = decode_tz(f, &tz)) != E_OK)
                return rc;
            *tzp = tz;
            tmask = M(T_TZ);
            break;
        }
        case F_NUMBER:
            if (ptype != 0) {
                int vtime = 0;
                if ((rc = decode_prefixed(f, ptype, fmask, &tmask, tm, &julian, &is2digits,
                                          &vtime)) != E_OK)
                    return rc;
                if (ptype == V_TIME)
                    fl->t[i] = vtime == V_DATE ? F_DATE : F_TIME;
                ptype = 0;
            } else {
                int flen = (int)strlen(f);
                char *cp = strchr(f, '.');
                if (cp != NULL) {
                    if (i == 0 && fl->n >= 2 && fl->t[fl->n - 1] == F_DATE) {
                        if ((rc = decode_date(f, fmask, &tmask, &is2digits, tm)) != E_OK)
                            return rc;
                    } else if (flen - (int)strlen(cp) > 2) {
                        rc = decode_number_field(flen, f, fmask | DATE_M, &tmask, tm,
                                                 &is2digits);
                        if (rc < 0)
                            return rc;
                        fl->t[i] = rc == V_DATE ? F_DATE : F_TIME;
                    } else {
                        return E_FORMAT;
                    }
                } else if (flen > 4) {
                    rc = decode_number_field(flen, f, fmask | DATE_M, &tmask, tm, &is2digits);
                    if (rc < 0)
                        return rc;
                    fl->t[i] = rc == V_DATE ? F_DATE : F_TIME;
                } else {
                    rc = decode_number(flen, f, false, fmask | DATE_M, &tmask, tm, &is2digits);
                    if (rc != E_OK)
                        return rc;
                }
            }
            break;
        case F_STRING:
        case F_SPECIAL: {
            const abbrev_t *ab;
            int type = word_type(f, &val, &ab);
            if (type == T_IGNORE)
                continue;
            tmask = M(type);
            switch (type) {
            case T_RESERV:
                if (val == V_NOW) {
                    tmask = TIME_M;
                    now_tm(tm);
                } else if (val == V_ZULU) {
                    tmask = TIME_M | M(T_TZ);
                    tm->hour = tm->min = tm->sec = 0;
                    tm->isdst = 0;
                } else {
                    return E_FORMAT;
                }
                break;
            case T_DTZMOD:
                tmask |= M(T_DTZ);
                tm->isdst = 1;
                *tzp -= val;
                break;
            case T_DTZ:
                tmask |= M(T_TZ);
                tm->isdst = 1;
                *tzp = -val;
                fl->t[i] = F_TZ;
                break;
            case T_TZ:
                tm->isdst = 0;
                *tzp = -val;
                fl->t[i] = F_TZ;
                break;
            case T_DYNTZ:
                tmask |= M(T_TZ);
                abbrev_tz = sl_tz_find(ab->zone);
                if (abbrev_tz == NULL)
                    return E_FORMAT;
                fl->t[i] = F_TZ;
                break;
            case T_AMPM:
                mer = val;
                break;
            case T_ADBC:
                bc = val == BC;
                break;
            case T_UNITS:
                tmask = 0;
                ptype = val;
                break;
            case T_ISOTIME:
                tmask = 0;
                if (i >= fl->n - 1 ||
                    (fl->t[i + 1] != F_NUMBER && fl->t[i + 1] != F_TIME &&
                     fl->t[i + 1] != F_DATE))
                    return E_FORMAT;
                ptype = val;
                break;
            case T_UNKNOWN:
                named = sl_tz_find(f);
                if (named == NULL)
                    return E_FORMAT;
                tmask = M(T_TZ);
                break;
            default:
                return E_FORMAT;
            }
            break;
        }
        default:
            return E_FORMAT;
        }
        if (tmask & fmask)
            return E_FORMAT;
        fmask |= tmask;
    }
    if ((rc = validate_date(fmask, julian, is2digits, bc, tm)) != E_OK)
        return rc;
    if (mer != HR24 && tm->hour > 12)
        return E_FIELD;
    if (mer == AM && tm->hour == 12)
        tm->hour = 0;
    else if (mer == PM && tm->hour != 12)
        tm->hour += 12;
    if (time_overflows(tm->hour, tm->min, tm->sec, tm->fsec))
        return E_FIELD;
    if ((fmask & TIME_M) != TIME_M)
        return E_FORMAT;
    bool partial_date = (fmask & DATE_M) != 0 && (fmask & DATE_M) != DATE_M;
    if (named != NULL) {
        if (fmask & M(T_DTZMOD))
            return E_FORMAT;
        if (!sl_tz_is_fixed(named) && (fmask & DATE_M) != DATE_M)
            return E_FORMAT;   /* a zone with DST needs the date */
    }
    if (abbrev_tz != NULL && ((fmask & M(T_DTZMOD)) || partial_date))
        return E_FORMAT;
    if (!(fmask & M(T_TZ)) && ((fmask & M(T_DTZMOD)) || partial_date))
        return E_FORMAT;
    return E_OK;
}

/* ---- errors (PostgreSQL's DateTimeParseError) ---- */

static int parse_error(int rc, const char *zone, const char *s, uint32_t n, const char *tname,
                       sl_error_t *err)
{
    int qn = (int)(n > QMAX ? QMAX : n);
    switch (rc) {
    case E_FIELD:
    case E_MDFIELD:
        sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0,
                     "date/time field value out of range: \"%.*s\"", qn, s);
        if (rc == E_MDFIELD)
            sl_error_hint(err, "Perhaps you need a different \"datestyle\" setting.");
        return SL_ERR;
    case E_TZDISP:
        return sl_error_set(err, "22009", 0, "time zone displacement out of range: \"%.*s\"",
                            qn, s);
    case E_ZONE:
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "time zone \"%s\" not recognized", zone);
    default:
        return sl_error_set(err, SL_ERRCODE_DATETIME_FORMAT, 0,
                            "invalid input syntax for type %s: \"%.*s\"", tname, qn, s);
    }
}

/* Splits and decodes s as timestamp_in / date_in do (bufsize: the size
 * of their work buffer, which bounds the input they take). */
static int decode_text(const char *s, uint32_t n, size_t bufsize, bool time_only, int *kind,
                       dtm_t *tm, int *tzp, fields_t *fl)
{
    char buf[160];
    fl->zone[0] = '\0';
    int rc = parse_fields(s, s + n, buf, bufsize, fl);
    if (rc != E_OK)
        return rc;
    if (time_only) {
        *kind = V_TIME;
        return decode_time_only(fl, tm, tzp);
    }
    return decode_datetime(fl, kind, tm, tzp);
}

int sl_ts_input_full(bool tz, const char *s, uint32_t n, int64_t *out, sl_error_t *err)
{
    const char *tname = tz ? "timestamp with time zone" : "timestamp";
    int kind, tzp;
    dtm_t tm;
    fields_t fl;
    int rc = decode_text(s, n, 128 + MAXFIELDS, false, &kind, &tm, &tzp, &fl);
    if (rc != E_OK)
        return parse_error(rc, fl.zone, s, n, tname, err);
    switch (kind) {
    case V_EPOCH:
        *out = -(int64_t)SL_DAYS_1970_2000 * US_PER_DAY;
        return SL_OK;
    case V_LATE:
        *out = INT64_MAX;
        return SL_OK;
    case V_EARLY:
        *out = INT64_MIN;
        return SL_OK;
    default:
        break;
    }
    /* tm2timestamp */
    if (!valid_julian(tm.year, tm.mon))
        goto range;
    int64_t date = sl_days_from_civil(tm.year, tm.mon, tm.mday) - SL_DAYS_1970_2000;
    int64_t time = (((int64_t)tm.hour * 60 + tm.min) * 60 + tm.sec) * US_PER_SEC + tm.fsec;
    int64_t v;
    if (__builtin_mul_overflow(date, US_PER_DAY, &v) || __builtin_add_overflow(v, time, &v) ||
        (v < 0 && date > 0) || (v > 0 && date < -1))
        goto range;
    if (tz)
        v += (int64_t)tzp * US_PER_SEC;
    if (v < SL_TS_MIN || v >= SL_TS_END)
        goto range;
    *out = v;
    return SL_OK;
range:
    return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "timestamp out of range: \"%.*s\"",
                        (int)(n > QMAX ? QMAX : n), s);
}

int sl_date_input(const char *s, uint32_t n, int64_t *out, sl_error_t *err)
{
    int kind, tzp;
    dtm_t tm;
    fields_t fl;
    int rc = decode_text(s, n, 128 + 1, false, &kind, &tm, &tzp, &fl);
    if (rc != E_OK)
        return parse_error(rc, fl.zone, s, n, "date", err);
    switch (kind) {
    case V_DATE:
        break;
    case V_EPOCH:
        tm.year = 1970;
        tm.mon = 1;
        tm.mday = 1;
        break;
    case V_LATE:
        *out = SL_DATE_NOEND;
        return SL_OK;
    case V_EARLY:
        *out = SL_DATE_NOBEGIN;
        return SL_OK;
    default:
        return parse_error(E_FORMAT, "", s, n, "date", err);
    }
    if (!valid_julian(tm.year, tm.mon))
        goto range;
    int64_t d = sl_days_from_civil(tm.year, tm.mon, tm.mday) - SL_DAYS_1970_2000;
    if (d < SL_DATE_MIN || d >= SL_DATE_END)
        goto range;
    *out = d;
    return SL_OK;
range:
    return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "date out of range: \"%.*s\"",
                        (int)(n > QMAX ? QMAX : n), s);
}

int sl_time_input(const char *s, uint32_t n, int64_t *out, sl_error_t *err)
{
    int kind, tzp;
    dtm_t tm;
    fields_t fl;
    int rc = decode_text(s, n, 128 + 1, true, &kind, &tm, &tzp, &fl);
    if (rc != E_OK)
        return parse_error(rc, fl.zone, s, n, "time", err);
    *out = (((int64_t)tm.hour * 60 + tm.min) * 60 + tm.sec) * US_PER_SEC + tm.fsec;
    return SL_OK;
}

/* ---- the ISO 8601 fast path ---- */

static inline int dig2(const char *p)
{
    unsigned a = (unsigned char)p[0] - '0', b = (unsigned char)p[1] - '0';
    return (a > 9 || b > 9) ? -1 : (int)(a * 10 + b);
}

/* Days since 1970-01-01 of y-m-d, for 1 <= y <= 9999. */
static inline int64_t days_civil_pos(int y, int m, int d)
{
    y -= m <= 2;
    int era = y / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

int sl_ts_input_fast(bool tz, const char *s, uint32_t n, int64_t *out)
{
    if (n < 16 || n > 40)
        return 0;
    int y1 = dig2(s), y2 = dig2(s + 2), mon = dig2(s + 5), day = dig2(s + 8);
    int hour = dig2(s + 11), min = dig2(s + 14);
    if ((y1 | y2 | mon | day | hour | min) < 0 || s[4] != '-' || s[7] != '-' ||
        (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':')
        return 0;
    int year = y1 * 100 + y2;
    if (year == 0 || mon < 1 || mon > 12 || day < 1 || day > 28 + 3 ||
        day > month_days(year, mon) || hour > 23 || min > 59)
        return 0;
    uint32_t i = 16;
    int sec = 0;
    int64_t fsec = 0;
    if (i < n && s[i] == ':') {
        if (i + 3 > n || (sec = dig2(s + i + 1)) < 0 || sec > 59)
            return 0;
        i += 3;
        if (i < n && s[i] == '.') {
            i++;
            int k = 0;
            int64_t f = 0;
            while (i < n && (unsigned)((unsigned char)s[i] - '0') <= 9) {
                if (++k > 6)
                    return 0;
                f = f * 10 + (s[i++] - '0');
            }
            if (k == 0)
                return 0;
            static const int64_t scale[7] = {1, 100000, 10000, 1000, 100, 10, 1};
            fsec = f * scale[k];
        }
    }
    int east = 0;
    if (i < n) {
        char c = s[i];
        if ((c == 'Z' || c == 'z') && i + 1 == n) {
            i++;
        } else if (c == '+' || c == '-') {
            int zh, zm = 0;
            if (i + 3 > n || (zh = dig2(s + i + 1)) < 0 || zh > 15)
                return 0;
            uint32_t j = i + 3;
            if (j < n) {
                if (s[j] == ':')
                    j++;
                if (j + 2 != n || (zm = dig2(s + j)) < 0 || zm > 59)
                    return 0;
                j += 2;
            }
            east = (zh * 60 + zm) * 60;
            if (c == '-')
                east = -east;
            i = j;
        } else {
            return 0;
        }
        if (i != n)
            return 0;
    }
    int64_t days = days_civil_pos(year, mon, day) - SL_DAYS_1970_2000;
    int64_t v = days * US_PER_DAY +
                ((int64_t)(hour * 3600 + min * 60 + sec) - (tz ? east : 0)) * US_PER_SEC + fsec;
    *out = v;
    return 1;
}

int sl_ts_input(bool tz, const char *s, uint32_t n, int64_t *out, sl_error_t *err)
{
    if (sl_ts_input_fast(tz, s, n, out))
        return SL_OK;
    return sl_ts_input_full(tz, s, n, out, err);
}

/* ---- output (DateStyle ISO) ---- */

void sl_date_output(int64_t d, sl_buf_t *b)
{
    if (d == SL_DATE_NOBEGIN) {
        sl_buf_puts(b, "-infinity");
        return;
    }
    if (d == SL_DATE_NOEND) {
        sl_buf_puts(b, "infinity");
        return;
    }
    int64_t y;
    int m, dd;
    sl_civil_from_days(d + SL_DAYS_1970_2000, &y, &m, &dd);
    bool bc = y <= 0;
    sl_buf_printf(b, "%04" PRId64 "-%02d-%02d%s", bc ? 1 - y : y, m, dd, bc ? " BC" : "");
}

void sl_time_output(int64_t t, sl_buf_t *b)
{
    int64_t secs = t / US_PER_SEC, frac = t % US_PER_SEC;
    sl_buf_printf(b, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60),
                  (int)(secs % 60));
    if (frac) {
        char f[8];
        snprintf(f, sizeof(f), "%06d", (int)frac);
        int l = 6;
        while (f[l - 1] == '0')
            l--;
        sl_buf_putc(b, '.');
        sl_buf_append(b, f, (size_t)l);
    }
}

/* ---- uuid (uuid_in / uuid_out) ---- */

static int hexval(char c)
{
    return c_digit(c) ? c - '0' : (c_lower(c) - 'a' + 10);
}

int sl_uuid_input(const char *s, uint32_t n, uint8_t out[16], sl_error_t *err)
{
    uint32_t i = 0;
    bool braces = false;
    if (i < n && s[i] == '{') {
        i++;
        braces = true;
    }
    for (int k = 0; k < 16; k++) {
        if (i + 2 > n || !c_xdigit(s[i]) || !c_xdigit(s[i + 1]))
            goto syntax;
        out[k] = (uint8_t)(hexval(s[i]) << 4 | hexval(s[i + 1]));
        i += 2;
        if (i < n && s[i] == '-' && k % 2 == 1 && k < 15)
            i++;
    }
    if (braces) {
        if (i >= n || s[i] != '}')
            goto syntax;
        i++;
    }
    if (i != n)
        goto syntax;
    return SL_OK;
syntax:
    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                        "invalid input syntax for type uuid: \"%.*s\"",
                        (int)(n > QMAX ? QMAX : n), s);
}

void sl_uuid_output(const uint8_t u[16], sl_buf_t *b)
{
    static const char hex[] = "0123456789abcdef";
    char t[36];
    int j = 0;
    for (int k = 0; k < 16; k++) {
        if (k == 4 || k == 6 || k == 8 || k == 10)
            t[j++] = '-';
        t[j++] = hex[u[k] >> 4];
        t[j++] = hex[u[k] & 15];
    }
    sl_buf_append(b, t, 36);
}

/* ---- zones named by text (parse_sane_timezone) ---- */

int sl_tz_offset_for_local(const char *name, uint32_t n, int64_t local, int *west,
                           sl_error_t *err)
{
    char tzname[256];
    uint32_t l = n < sizeof(tzname) - 1 ? n : (uint32_t)sizeof(tzname) - 1;
    memcpy(tzname, name, l);
    tzname[l] = '\0';
    if (memchr(tzname, '\0', l) != NULL)
        l = (uint32_t)strlen(tzname);
    if (c_digit(tzname[0])) {
        sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                     "invalid input syntax for type %s: \"%s\"", "numeric time zone", tzname);
        sl_error_hint(err, "Numeric time zones must have \"-\" or \"+\" as first character.");
        return SL_ERR;
    }
    int tz;
    int rc = decode_tz(tzname, &tz);
    if (rc == E_OK) {
        *west = tz;
        return SL_OK;
    }
    if (rc == E_TZDISP)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "numeric time zone \"%s\" out of range", tzname);
    int64_t secs = floordiv(local, US_PER_SEC) + (int64_t)SL_DAYS_1970_2000 * 86400;
    char low[64];
    size_t k;
    for (k = 0; k < 63 && tzname[k]; k++)
        low[k] = c_lower(tzname[k]);
    low[k] = '\0';
    const abbrev_t *ab = abbrev_find(low);
    if (ab != NULL && ab->kind != AB_DYN) {
        *west = -ab->offset;
        return SL_OK;
    }
    if (ab != NULL) {
        const sl_tz_t *z = sl_tz_find(ab->zone);
        if (z != NULL) {
            *west = sl_tz_abbrev_offset(z, low, secs);
            return SL_OK;
        }
    }
    const sl_tz_t *z = sl_tz_find(tzname);
    if (z == NULL)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "time zone \"%s\" not recognized", tzname);
    *west = sl_tz_local_offset(z, secs, NULL);
    return SL_OK;
}
