/*
 * check_pgwire.c: unit tests of the pgwire packet layer (src/net/pkt.h):
 * the exact bytes of every message the builder writes, the header reader
 * (AGAIN on partial input, absurd lengths), startup packets (good, hostile,
 * unknown codes), ErrorResponse fields and their position rewriting.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"

/* Asserts that p holds exactly the n bytes of want. */
#define ck_bytes(p, want, n)                                                   \
    do {                                                                       \
        ck_assert_uint_eq((p)->buf.len, (n));                                  \
        ck_assert_int_eq(memcmp((p)->buf.data, (want), (n)), 0);               \
    } while (0)

START_TEST(builder_fields)
{
    sl_pkt_t p = SL_PKT_INIT;
    sl_pkt_begin(&p, 'x');
    sl_pkt_put_int16(&p, -2);
    sl_pkt_put_int32(&p, 0x01020304);
    sl_pkt_put_string(&p, "ab");
    sl_pkt_put_bytes(&p, "\x00\xff", 2);
    sl_pkt_finish(&p);
    static const char want[] = "x\0\0\0\x0f\xff\xfe\x01\x02\x03\x04" "ab\0\x00\xff";
    ck_bytes(&p, want, 16);
    /* A startup-style packet has no type byte; two messages back to back. */
    sl_pkt_reset(&p);
    sl_pkt_begin(&p, 0);
    sl_pkt_put_int32(&p, (int32_t)SL_PKT_SSL_REQUEST);
    sl_pkt_finish(&p);
    sl_pkt_sync(&p);
    static const char want2[] = "\0\0\0\x08\x04\xd2\x16\x2f" "S\0\0\0\x04";
    ck_bytes(&p, want2, 13);
    sl_pkt_free(&p);
}
END_TEST

START_TEST(simple_messages)
{
    sl_pkt_t p = SL_PKT_INIT;
    sl_pkt_auth_ok(&p);
    ck_bytes(&p, "R\0\0\0\x08\0\0\0\0", 9);
    sl_pkt_reset(&p);
    sl_pkt_ready_for_query(&p, 'T');
    ck_bytes(&p, "Z\0\0\0\x05T", 6);
    sl_pkt_reset(&p);
    sl_pkt_empty_query(&p);
    ck_bytes(&p, "I\0\0\0\x04", 5);
    sl_pkt_reset(&p);
    sl_pkt_command_complete(&p, "SHOW");
    ck_bytes(&p, "C\0\0\0\x09SHOW\0", 10);
    sl_pkt_reset(&p);
    sl_pkt_parameter_status(&p, "TimeZone", "UTC");
    ck_bytes(&p, "S\0\0\0\x11TimeZone\0UTC\0", 18);
    sl_pkt_reset(&p);
    sl_pkt_backend_key_data(&p, 4242, -1);
    ck_bytes(&p, "K\0\0\0\x0c\0\0\x10\x92\xff\xff\xff\xff", 13);
    sl_pkt_reset(&p);
    sl_pkt_query(&p, "SELECT 1");
    ck_bytes(&p, "Q\0\0\0\x0dSELECT 1\0", 14);
    sl_pkt_reset(&p);
    const char *opts[] = {"_pq_.x"};
    sl_pkt_negotiate_protocol(&p, 0, 1, opts);
    ck_bytes(&p, "v\0\0\0\x13\0\0\0\0\0\0\0\x01_pq_.x\0", 20);
    sl_pkt_free(&p);
}
END_TEST

START_TEST(row_description_and_data_row)
{
    sl_pkt_t p = SL_PKT_INIT;
    const char *names[] = {"a", "b"};
    sl_type_t types[] = {SL_T_INT8, SL_T_TEXT};
    sl_pkt_row_description(&p, 2, names, types);
    static const char want[] =
        "T\0\0\0\x2e\0\x02"
        "a\0\0\0\0\0\0\0\0\0\0\x14\0\x08\xff\xff\xff\xff\0\0"
        "b\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\0";
    ck_bytes(&p, want, 47);
    sl_pkt_reset(&p);
    char *cells[] = {"12", NULL, ""};
    sl_pkt_data_row(&p, 3, cells);
    static const char want2[] =
        "D\0\0\0\x14\0\x03" "\0\0\0\x02" "12" "\xff\xff\xff\xff" "\0\0\0\0";
    ck_bytes(&p, want2, 21);
    sl_pkt_free(&p);
}
END_TEST

START_TEST(extended_protocol_answers)
{
    sl_pkt_t p = SL_PKT_INIT;
    const char *names[] = {"b"};
    sl_type_t types[] = {SL_T_TEXT};
    int16_t formats[] = {1};
    sl_pkt_row_description_formats(&p, 1, names, types, formats);
    static const char want[] =
        "T\0\0\0\x1a\0\x01"
        "b\0\0\0\0\0\0\0\0\0\0\x19\xff\xff\xff\xff\xff\xff\0\x01";
    ck_bytes(&p, want, 27);
    sl_pkt_reset(&p);
    uint32_t oids[] = {23, 25};
    sl_pkt_parameter_description(&p, 2, oids);
    sl_pkt_empty_message(&p, SL_PKT_PARSE_COMPLETE);
    sl_pkt_empty_message(&p, SL_PKT_NO_DATA);
    sl_pkt_empty_message(&p, SL_PKT_PORTAL_SUSPENDED);
    static const char want2[] =
        "t\0\0\0\x0e\0\x02\0\0\0\x17\0\0\0\x19"
        "1\0\0\0\x04" "n\0\0\0\x04" "s\0\0\0\x04";
    ck_bytes(&p, want2, 30);
    sl_pkt_free(&p);
}
END_TEST

START_TEST(error_response_fields)
{
    sl_pkt_t p = SL_PKT_INIT;
    sl_error_t err;
    sl_error_clear(&err);
    sl_error_set(&err, "42703", 8, "column \"x\" does not exist");
    sl_error_hint(&err, "Maybe y.");
    sl_pkt_error(&p, &err);
    static const char want[] =
        "E\0\0\0\x42"
        "SERROR\0VERROR\0C42703\0Mcolumn \"x\" does not exist\0HMaybe y.\0P8\0\0";
    ck_bytes(&p, want, 67);
    /* Field lookup on the body. */
    const char *body = p.buf.data + 5;
    size_t blen = p.buf.len - 5;
    ck_assert_str_eq(sl_pkt_error_field(body, blen, 'C'), "42703");
    ck_assert_str_eq(sl_pkt_error_field(body, blen, 'P'), "8");
    ck_assert_ptr_null(sl_pkt_error_field(body, blen, 'D'));

    /* Position moved by 10 characters; dropped with a negative delta. */
    sl_pkt_t q = SL_PKT_INIT;
    ck_assert(sl_pkt_copy_error(&q, 'E', body, blen, 10));
    ck_assert_str_eq(sl_pkt_error_field(q.buf.data + 5, q.buf.len - 5, 'P'), "18");
    ck_assert_str_eq(sl_pkt_error_field(q.buf.data + 5, q.buf.len - 5, 'H'), "Maybe y.");
    ck_assert_uint_eq(q.buf.len, 68);
    ck_assert_int_eq(q.buf.data[4], 0x43);
    sl_pkt_reset(&q);
    ck_assert(sl_pkt_copy_error(&q, 'E', body, blen, -1));
    ck_assert_ptr_null(sl_pkt_error_field(q.buf.data + 5, q.buf.len - 5, 'P'));
    ck_assert_uint_eq(q.buf.len, 64);
    /* Malformed: no terminator. */
    sl_pkt_reset(&q);
    ck_assert(!sl_pkt_copy_error(&q, 'E', "SERROR", 6, 0));
    ck_assert_uint_eq(q.buf.len, 0);
    sl_pkt_free(&q);

    /* Notice with default severity; detail without hint or position. */
    sl_pkt_reset(&p);
    sl_pkt_notice_text(&p, "hi");
    static const char want2[] = "N\0\0\0\x20SNOTICE\0VNOTICE\0C00000\0Mhi\0\0";
    ck_bytes(&p, want2, 33);
    sl_pkt_free(&p);
}
END_TEST

START_TEST(reader_header)
{
    sl_pkt_hdr_t h;
    sl_error_t err;
    sl_error_clear(&err);
    const char msg[] = "Z\0\0\0\x05I";
    ck_assert_int_eq(sl_pkt_read_header(msg, 0, false, SL_PKT_MAX_MESSAGE, &h, &err), SL_AGAIN);
    ck_assert_int_eq(sl_pkt_read_header(msg, 4, false, SL_PKT_MAX_MESSAGE, &h, &err), SL_AGAIN);
    ck_assert_uint_eq(h.size, 0);
    ck_assert_int_eq(sl_pkt_read_header(msg, 5, false, SL_PKT_MAX_MESSAGE, &h, &err), SL_AGAIN);
    ck_assert_uint_eq(h.size, 6);
    ck_assert_int_eq(h.type, 'Z');
    ck_assert_int_eq(sl_pkt_read_header(msg, 6, false, SL_PKT_MAX_MESSAGE, &h, &err), SL_OK);
    ck_assert_int_eq(sl_pkt_read_header(msg, 100, false, SL_PKT_MAX_MESSAGE, &h, &err), SL_OK);
    ck_assert_uint_eq(h.body, 5);
    ck_assert(!sl_error_isset(&err));

    /* Length below 4 and absurd lengths. */
    ck_assert_int_eq(sl_pkt_read_header("Q\0\0\0\x03", 5, false, SL_PKT_MAX_MESSAGE, &h, &err),
                     SL_ERR);
    ck_assert_str_eq(err.sqlstate, "08P01");
    ck_assert_str_eq(err.message, "invalid message length");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pkt_read_header("Q\x7f\xff\xff\xff", 5, false, SL_PKT_MAX_MESSAGE, &h,
                                        &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "08P01");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pkt_read_header("Q\xff\xff\xff\xff", 5, false, SL_PKT_MAX_MESSAGE, &h,
                                        &err), SL_ERR);
    sl_error_clear(&err);

    /* Startup packets: 4-byte header, 8..10000. */
    ck_assert_int_eq(sl_pkt_read_header("\0\0\0\x08", 4, true, SL_PKT_MAX_STARTUP, &h, &err),
                     SL_AGAIN);
    ck_assert_uint_eq(h.size, 8);
    ck_assert_uint_eq(h.body, 4);
    ck_assert_int_eq(sl_pkt_read_header("\0\0\0\x07", 4, true, SL_PKT_MAX_STARTUP, &h, &err),
                     SL_ERR);
    ck_assert_str_eq(err.message, "invalid length of startup packet");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pkt_read_header("\0\0\x27\x11", 4, true, SL_PKT_MAX_STARTUP, &h, &err),
                     SL_ERR);
    /* HTTP sent to the pgwire port. */
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pkt_read_header("GET ", 4, true, SL_PKT_MAX_STARTUP, &h, &err), SL_ERR);
}
END_TEST

START_TEST(reader_fields)
{
    sl_pkt_reader_t r;
    const char body[] = "\x00\x07\xff\xff\xff\xfe" "name\0" "x";
    sl_pkt_reader_init(&r, body, sizeof(body) - 1);
    ck_assert_int_eq(sl_pkt_get_int16(&r), 7);
    ck_assert_int_eq(sl_pkt_get_int32(&r), -2);
    ck_assert_str_eq(sl_pkt_get_string(&r), "name");
    ck_assert(!r.bad);
    ck_assert_ptr_null(sl_pkt_get_string(&r));    /* "x" has no NUL */
    ck_assert(r.bad);
    sl_pkt_reader_init(&r, body, 3);
    sl_pkt_get_int32(&r);
    ck_assert(r.bad);
}
END_TEST

START_TEST(query_texts)
{
    /* Query: one string filling the body. */
    ck_assert_str_eq(sl_pkt_query_text("SELECT 1", 9), "SELECT 1");
    ck_assert_ptr_null(sl_pkt_query_text("", 0));
    ck_assert_ptr_null(sl_pkt_query_text("SELECT 1", 8));          /* no NUL */
    ck_assert_ptr_null(sl_pkt_query_text("SEL\0ECT 1", 10));      /* NUL inside */
    ck_assert_ptr_null(sl_pkt_query_text("SELECT 1\0\0", 10));   /* bytes after */
    /* Parse: statement name, then the query. */
    const char parse[] = "st\0SELECT 2\0\0\0";
    ck_assert_str_eq(sl_pkt_parse_text(parse, sizeof(parse) - 1), "SELECT 2");
    ck_assert_ptr_null(sl_pkt_parse_text(parse, 3));                /* no query */
    ck_assert_ptr_null(sl_pkt_parse_text(parse, 8));                /* query cut */
}
END_TEST

START_TEST(startup_packets)
{
    sl_arena_t *a = sl_arena_new(NULL, "test");
    sl_pkt_startup_t su;
    sl_error_t err;
    sl_error_clear(&err);

    static const char start[] = "\0\x03\0\0" "user\0bob\0" "application_name\0psql\0" "\0";
    ck_assert_int_eq(sl_pkt_parse_startup(start, sizeof(start) - 1, a, &su, &err), SL_OK);
    ck_assert_uint_eq(su.code, SL_PKT_PROTOCOL_3_0);
    ck_assert_int_eq(su.nparams, 2);
    ck_assert_str_eq(sl_pkt_startup_param(&su, "application_name"), "psql");
    ck_assert_str_eq(sl_pkt_startup_param(&su, "user"), "bob");
    ck_assert_ptr_null(sl_pkt_startup_param(&su, "database"));

    ck_assert_int_eq(sl_pkt_parse_startup("\x04\xd2\x16\x2f", 4, a, &su, &err), SL_OK);
    ck_assert_uint_eq(su.code, SL_PKT_SSL_REQUEST);
    ck_assert_int_eq(sl_pkt_parse_startup("\x04\xd2\x16\x30", 4, a, &su, &err), SL_OK);
    ck_assert_uint_eq(su.code, SL_PKT_GSSENC_REQUEST);
    ck_assert_int_eq(sl_pkt_parse_startup("\x04\xd2\x16\x2e\0\0\0\x07\x80\0\0\x01", 12, a, &su,
                                          &err), SL_OK);
    ck_assert_uint_eq(su.code, SL_PKT_CANCEL_REQUEST);
    ck_assert_int_eq(su.cancel_pid, 7);
    ck_assert_int_eq(su.cancel_key, (int32_t)0x80000001);

    /* Short cancel request. */
    ck_assert_int_eq(sl_pkt_parse_startup("\x04\xd2\x16\x2e\0\0\0\x07", 8, a, &su, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "08P01");
    sl_error_clear(&err);
    /* Protocol 2.0 and unknown request codes. */
    ck_assert_int_eq(sl_pkt_parse_startup("\0\x02\0\0\0", 5, a, &su, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_str_eq(err.message,
                     "unsupported frontend protocol 2.0: server supports 3.0 to 3.0");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pkt_parse_startup("\x04\xd2\x16\x31", 4, a, &su, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    sl_error_clear(&err);
    /* Missing terminator; name without value. */
    ck_assert_int_eq(sl_pkt_parse_startup("\0\x03\0\0user\0bob", 12, a, &su, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "08P01");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_pkt_parse_startup("\0\x03\0\0user\0\0", 10, a, &su, &err), SL_ERR);
    sl_error_clear(&err);   /* "user" = "" but no terminator after it */
    ck_assert_int_eq(sl_pkt_parse_startup("\0\x03\0\0user\0\0\0", 11, a, &su, &err), SL_OK);
    ck_assert_int_eq(su.nparams, 1);
    ck_assert_str_eq(su.values[0], "");
    ck_assert_int_eq(sl_pkt_parse_startup("\0\x03\0\0user\0bob\0x\0", 15, a, &su, &err), SL_ERR);
    sl_error_clear(&err);
    /* 3.1 is accepted (the caller negotiates down to 3.0). */
    ck_assert_int_eq(sl_pkt_parse_startup("\0\x03\0\x01\0", 5, a, &su, &err), SL_OK);
    ck_assert_uint_eq(su.code & 0xffff, 1);
    sl_arena_free(a);
}
END_TEST

START_TEST(utf8_chars)
{
    ck_assert_int_eq(sl_pkt_utf8_chars("abc", 3), 3);
    ck_assert_int_eq(sl_pkt_utf8_chars("\xc3\xa9t\xc3\xa9", 5), 3);
    ck_assert_int_eq(sl_pkt_utf8_chars("\xe2\x82\xac;", 4), 2);
}
END_TEST

static Suite *pgwire_suite(void)
{
    Suite *s = suite_create("pgwire");
    TCase *tc = tcase_create("pkt");
    tcase_add_test(tc, builder_fields);
    tcase_add_test(tc, simple_messages);
    tcase_add_test(tc, row_description_and_data_row);
    tcase_add_test(tc, extended_protocol_answers);
    tcase_add_test(tc, error_response_fields);
    tcase_add_test(tc, reader_header);
    tcase_add_test(tc, reader_fields);
    tcase_add_test(tc, query_texts);
    tcase_add_test(tc, startup_packets);
    tcase_add_test(tc, utf8_chars);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(pgwire_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
