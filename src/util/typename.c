/* typename.c: names and OIDs of Sluice's types; see types.h. */
#include "util/types.h"
#include "util/array.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    uint32_t oid;
} type_info[SL_T_NTYPES] = {
    [SL_T_UNKNOWN] = {"unknown", 705},
    [SL_T_BOOL] = {"boolean", 16},
    [SL_T_INT2] = {"smallint", 21},
    [SL_T_INT4] = {"integer", 23},
    [SL_T_INT8] = {"bigint", 20},
    [SL_T_FLOAT4] = {"real", 700},
    [SL_T_FLOAT8] = {"double precision", 701},
    [SL_T_NUMERIC] = {"numeric", 1700},
    [SL_T_TEXT] = {"text", 25},
    [SL_T_TIMESTAMPTZ] = {"timestamp with time zone", 1184},
    [SL_T_TIMESTAMP] = {"timestamp without time zone", 1114},
    [SL_T_INTERVAL] = {"interval", 1186},
    [SL_T_BOOL_ARRAY] = {"boolean[]", 1000},
    [SL_T_INT2_ARRAY] = {"smallint[]", 1005},
    [SL_T_INT4_ARRAY] = {"integer[]", 1007},
    [SL_T_INT8_ARRAY] = {"bigint[]", 1016},
    [SL_T_FLOAT4_ARRAY] = {"real[]", 1021},
    [SL_T_FLOAT8_ARRAY] = {"double precision[]", 1022},
    [SL_T_TEXT_ARRAY] = {"text[]", 1009},
    [SL_T_TIMESTAMPTZ_ARRAY] = {"timestamp with time zone[]", 1185},
    [SL_T_TIMESTAMP_ARRAY] = {"timestamp without time zone[]", 1115},
    [SL_T_JSONB] = {"jsonb", 3802},
    [SL_T_DATE] = {"date", 1082},
    [SL_T_TIME] = {"time without time zone", 1083},
    [SL_T_UUID] = {"uuid", 2950},
    [SL_T_NUMERIC_ARRAY] = {"numeric[]", 1231},
    [SL_T_INTERVAL_ARRAY] = {"interval[]", 1187},
    [SL_T_JSONB_ARRAY] = {"jsonb[]", 3807},
    [SL_T_DATE_ARRAY] = {"date[]", 1182},
    [SL_T_TIME_ARRAY] = {"time without time zone[]", 1183},
    [SL_T_UUID_ARRAY] = {"uuid[]", 2951},
};

static const struct {
    const char *alias;
    sl_type_t type;
} type_alias[] = {
    {"bool", SL_T_BOOL}, {"boolean", SL_T_BOOL},
    {"int2", SL_T_INT2}, {"smallint", SL_T_INT2},
    {"int", SL_T_INT4}, {"int4", SL_T_INT4}, {"integer", SL_T_INT4},
    {"int8", SL_T_INT8}, {"bigint", SL_T_INT8},
    {"float4", SL_T_FLOAT4}, {"real", SL_T_FLOAT4},
    {"float8", SL_T_FLOAT8}, {"float", SL_T_FLOAT8},
    {"double precision", SL_T_FLOAT8},
    {"numeric", SL_T_NUMERIC}, {"decimal", SL_T_NUMERIC},
    {"text", SL_T_TEXT}, {"varchar", SL_T_TEXT},
    {"character varying", SL_T_TEXT},
    {"timestamptz", SL_T_TIMESTAMPTZ},
    {"timestamp with time zone", SL_T_TIMESTAMPTZ},
    {"timestamp", SL_T_TIMESTAMP},
    {"timestamp without time zone", SL_T_TIMESTAMP},
    {"interval", SL_T_INTERVAL},
    /* PostgreSQL's internal names of the array types */
    {"_bool", SL_T_BOOL_ARRAY}, {"_int2", SL_T_INT2_ARRAY}, {"_int4", SL_T_INT4_ARRAY},
    {"_int8", SL_T_INT8_ARRAY}, {"_float4", SL_T_FLOAT4_ARRAY},
    {"_float8", SL_T_FLOAT8_ARRAY}, {"_text", SL_T_TEXT_ARRAY},
    {"_varchar", SL_T_TEXT_ARRAY}, {"_timestamptz", SL_T_TIMESTAMPTZ_ARRAY},
    {"_timestamp", SL_T_TIMESTAMP_ARRAY},
    {"_numeric", SL_T_NUMERIC_ARRAY}, {"_interval", SL_T_INTERVAL_ARRAY},
    {"_jsonb", SL_T_JSONB_ARRAY}, {"_date", SL_T_DATE_ARRAY}, {"_time", SL_T_TIME_ARRAY},
    {"_uuid", SL_T_UUID_ARRAY},
    {"jsonb", SL_T_JSONB},
    {"date", SL_T_DATE},
    {"time", SL_T_TIME},
    {"time without time zone", SL_T_TIME},
    {"uuid", SL_T_UUID},
};

const char *sl_type_name(sl_type_t t)
{
    return (t >= 0 && t < SL_T_NTYPES) ? type_info[t].name : "unknown";
}

uint32_t sl_type_oid(sl_type_t t)
{
    return (t >= 0 && t < SL_T_NTYPES) ? type_info[t].oid : 705;
}

const char *sl_type_sql(sl_type_t t, int typmod, char *buf, int buflen)
{
    if (t == SL_T_TEXT && typmod >= 0)
        snprintf(buf, buflen, "character varying(%d)", typmod);
    else if (t == SL_T_TEXT_ARRAY && typmod >= 0)
        snprintf(buf, buflen, "character varying(%d)[]", typmod);
    else if ((t == SL_T_NUMERIC || t == SL_T_NUMERIC_ARRAY) && typmod >= 4)
        snprintf(buf, buflen, "numeric(%d,%d)%s", ((typmod - 4) >> 16) & 0xffff,   /* numeric.h */
                 (((typmod - 4) & 0x7ff) ^ 1024) - 1024, t == SL_T_NUMERIC ? "" : "[]");
    else
        snprintf(buf, buflen, "%s", sl_type_name(t));
    return buf;
}

sl_type_t sl_type_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof(type_alias) / sizeof(type_alias[0]); i++)
        if (strcmp(type_alias[i].alias, name) == 0)
            return type_alias[i].type;
    return SL_T_UNKNOWN;
}

bool sl_type_by_ref(sl_type_t t)
{
    return t == SL_T_TEXT || t == SL_T_UNKNOWN || t == SL_T_NUMERIC || sl_type_is_array(t) ||
           t == SL_T_JSONB;
}

bool sl_type_is_integer(sl_type_t t)
{
    return t == SL_T_INT2 || t == SL_T_INT4 || t == SL_T_INT8;
}

bool sl_type_is_numeric(sl_type_t t)
{
    return sl_type_is_integer(t) || t == SL_T_FLOAT4 || t == SL_T_FLOAT8 ||
           t == SL_T_NUMERIC;
}
