/*
 * The event reader's line parser: compiled when the package sparkify_event_lines is
 * installed (pip install ./native/event_lines), loaded through ctypes by
 * sparkify_event_lines.load_parser and called by plugins/sparkify/warehouse/event_reader.py,
 * which describes the rules of what it stages.
 *
 * A block of whole JSON lines goes in; the records it can stage as they are come out as
 * rows of PostgreSQL's binary COPY format, and the numbers of the other lines come back
 * for the server to parse. A record is staged only when every value is exactly of its
 * column's type, so the rows are those the server's own parse of the line would give.
 * Anything unusual (a number written as a string, an exponent in an integer, an escaped
 * NUL, a repeated key, nesting deeper than MAX_DEPTH) is passed on, never guessed at.
 */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum kind { KIND_TEXT = 0, KIND_INT4 = 1, KIND_FLOAT8 = 2, KIND_EPOCH_MS = 3 };

#define MAX_FIELDS 64
#define MAX_DEPTH 64
#define MAX_NEW_KEYS_A_LINE 16
#define MAX_NUMBER 64
/* Milliseconds from the Unix epoch to PostgreSQL's (2000-01-01). */
#define PG_EPOCH_MS INT64_C(946684800000)

typedef struct {
    unsigned char *data;
    size_t len, cap;
} buffer;

typedef struct {
    int present, null;
    const unsigned char *text;
    size_t text_len;
    int64_t integer;
    double number;
} value;

typedef struct {
    int nfields;
    char *keys[MAX_FIELDS];
    size_t key_lens[MAX_FIELDS];
    int kinds[MAX_FIELDS];
    int max_chars[MAX_FIELDS];
    int ts_field, session_field, item_field, user_field;
    int64_t day_start, day_end, hour_start, hour_end;
    int64_t batch_hour_us;
    /* Hashes of the keys staged: a repeat, or a collision, is passed on for the server to compare. */
    uint64_t *seen;
    size_t seen_mask, seen_used;
    buffer rows, scratch, new_keys;
    int32_t *passed;
    size_t passed_len, passed_cap;
    int64_t other_hours;
    int next_field;
    locale_t c_locale;
    value values[MAX_FIELDS];
    const unsigned char *line_new_keys[MAX_NEW_KEYS_A_LINE];
    size_t line_new_key_lens[MAX_NEW_KEYS_A_LINE];
    int line_new_count;
} reader;

static int reserve(buffer *b, size_t more) {
    if (b->len + more <= b->cap) return 1;
    size_t cap = b->cap ? b->cap : 1 << 16;
    while (cap < b->len + more) cap *= 2;
    unsigned char *data = realloc(b->data, cap);
    if (!data) return 0;
    b->data = data;
    b->cap = cap;
    return 1;
}

static void put16(buffer *b, uint16_t v) {
    v = htobe16(v);
    memcpy(b->data + b->len, &v, 2);
    b->len += 2;
}

static void put32(buffer *b, uint32_t v) {
    v = htobe32(v);
    memcpy(b->data + b->len, &v, 4);
    b->len += 4;
}

static void put64(buffer *b, uint64_t v) {
    v = htobe64(v);
    memcpy(b->data + b->len, &v, 8);
    b->len += 8;
}

static void put_bytes(buffer *b, const void *data, size_t len) {
    put32(b, (uint32_t)len);
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

/* Python's UTF-8 decoder's rules: no overlong forms, no surrogates, nothing above U+10FFFF. */
static int utf8_sequence(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c >= 0xC2 && c <= 0xDF) {
        return end - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    }
    if (c >= 0xE0 && c <= 0xEF) {
        if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && p[1] < 0xA0) return 0;
        if (c == 0xED && p[1] >= 0xA0) return 0;
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && p[1] < 0x90) return 0;
        if (c == 0xF4 && p[1] >= 0x90) return 0;
        return 4;
    }
    return 0;
}

/* Whether the line is UTF-8 text without NUL bytes (else Python finds the reason). */
static int is_text(const unsigned char *p, const unsigned char *end) {
    const uint64_t high = UINT64_C(0x8080808080808080), ones = UINT64_C(0x0101010101010101);
    while (p < end) {
        if (end - p >= 8) {
            uint64_t word;
            memcpy(&word, p, 8);
            if (!(word & high) && !((word - ones) & ~word & high)) {
                p += 8;
                continue;
            }
        }
        if (*p == 0) return 0;
        if (*p < 0x80) {
            p++;
            continue;
        }
        int n = utf8_sequence(p, end);
        if (!n) return 0;
        p += n;
    }
    return 1;
}

static int is_blank(const unsigned char *p, const unsigned char *end) {
    for (; p < end; p++) {
        if (!(*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' || *p == '\f')) return 0;
    }
    return 1;
}

static const unsigned char *skip_space(const unsigned char *p, const unsigned char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) p++;
    return p;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out) {
    if (end - p < 4) return 0;
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else return 0;
    }
    *out = v;
    return 1;
}

/*
 * The JSON string at p (its opening quote), its text in *text and *len: in the line when it
 * holds no escape, else decoded into the scratch buffer (sized for the whole line). Returns
 * the position after the closing quote, or NULL for what is passed on: a control character,
 * a bad escape, a lone surrogate or an escaped NUL (a text column cannot hold it).
 */
static const unsigned char *parse_string(reader *r, const unsigned char *p, const unsigned char *end,
                                         const unsigned char **text, size_t *len) {
    const unsigned char *start = ++p;
    while (p < end && *p != '"' && *p != '\\' && *p >= 0x20) p++;
    if (p >= end || *p < 0x20) return NULL;
    if (*p == '"') {
        *text = start;
        *len = p - start;
        return p + 1;
    }
    unsigned char *out = r->scratch.data + r->scratch.len, *begin = out;
    memcpy(out, start, p - start);
    out += p - start;
    while (p < end) {
        unsigned char c = *p;
        if (c == '"') {
            *text = begin;
            *len = out - begin;
            r->scratch.len += out - begin;
            return p + 1;
        }
        if (c < 0x20) return NULL;
        if (c != '\\') {
            *out++ = c;
            p++;
            continue;
        }
        if (++p >= end) return NULL;
        switch (*p++) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
            unsigned cp, low;
            if (!hex4(p, end, &cp)) return NULL;
            p += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return NULL;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, end, &low)) return NULL;
                if (low < 0xDC00 || low > 0xDFFF) return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            }
            if (cp == 0) return NULL;
            if (cp < 0x80) {
                *out++ = (unsigned char)cp;
            } else if (cp < 0x800) {
                *out++ = 0xC0 | (cp >> 6);
                *out++ = 0x80 | (cp & 0x3F);
            } else if (cp < 0x10000) {
                *out++ = 0xE0 | (cp >> 12);
                *out++ = 0x80 | ((cp >> 6) & 0x3F);
                *out++ = 0x80 | (cp & 0x3F);
            } else {
                *out++ = 0xF0 | (cp >> 18);
                *out++ = 0x80 | ((cp >> 12) & 0x3F);
                *out++ = 0x80 | ((cp >> 6) & 0x3F);
                *out++ = 0x80 | (cp & 0x3F);
            }
            break;
        }
        default:
            return NULL;
        }
    }
    return NULL;
}

/* A JSON number at p: returns its end, and whether it has a fraction or an exponent. */
static const unsigned char *scan_number(const unsigned char *p, const unsigned char *end, int *is_integer) {
    *is_integer = 1;
    if (p < end && *p == '-') p++;
    if (p >= end) return NULL;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && *p >= '0' && *p <= '9') p++;
    } else {
        return NULL;
    }
    if (p < end && *p == '.') {
        *is_integer = 0;
        if (++p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        *is_integer = 0;
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || *p < '0' || *p > '9') return NULL;
        while (p < end && *p >= '0' && *p <= '9') p++;
    }
    return p;
}

static const unsigned char *match_literal(const unsigned char *p, const unsigned char *end, const char *word) {
    size_t n = strlen(word);
    return (size_t)(end - p) >= n && memcmp(p, word, n) == 0 ? p + n : NULL;
}

/* Past any JSON value at p (the values of fields staging_events has no column for). */
static const unsigned char *skip_value(reader *r, const unsigned char *p, const unsigned char *end, int depth) {
    const unsigned char *text;
    size_t len;
    int is_integer;
    if (p >= end || depth > MAX_DEPTH) return NULL;
    switch (*p) {
    case '"': {
        /* Decoded only to check it; the scratch space is given back. */
        size_t mark = r->scratch.len;
        p = parse_string(r, p, end, &text, &len);
        r->scratch.len = mark;
        return p;
    }
    case 't': return match_literal(p, end, "true");
    case 'f': return match_literal(p, end, "false");
    case 'n': return match_literal(p, end, "null");
    case '{':
    case '[': {
        unsigned char close = *p == '{' ? '}' : ']';
        int object = *p == '{';
        p = skip_space(p + 1, end);
        if (p < end && *p == close) return p + 1;
        for (;;) {
            if (object) {
                size_t mark = r->scratch.len;
                if (p >= end || *p != '"' || !(p = parse_string(r, p, end, &text, &len))) return NULL;
                r->scratch.len = mark;
                p = skip_space(p, end);
                if (p >= end || *p != ':') return NULL;
                p = skip_space(p + 1, end);
            }
            if (!(p = skip_value(r, p, end, depth + 1))) return NULL;
            p = skip_space(p, end);
            if (p < end && *p == ',') {
                p = skip_space(p + 1, end);
                continue;
            }
            return p < end && *p == close ? p + 1 : NULL;
        }
    }
    default:
        return scan_number(p, end, &is_integer);
    }
}

static int find_field(reader *r, const unsigned char *key, size_t len) {
    /* The logs write the keys in one order, so the field after the last one found comes first. */
    int i = r->next_field;
    if (i < r->nfields && r->key_lens[i] == len && memcmp(r->keys[i], key, len) == 0) {
        r->next_field = i + 1;
        return i;
    }
    for (i = 0; i < r->nfields; i++) {
        if (r->key_lens[i] == len && memcmp(r->keys[i], key, len) == 0) {
            r->next_field = i + 1;
            return i;
        }
    }
    return -1;
}

static size_t characters(const unsigned char *p, size_t len) {
    size_t n = 0;
    for (size_t i = 0; i < len; i++) n += (p[i] & 0xC0) != 0x80;
    return n;
}

/* The value of field f at p; NULL when it is not exactly of the field's type. */
static const unsigned char *parse_field(reader *r, int f, const unsigned char *p, const unsigned char *end) {
    value *v = &r->values[f];
    v->present = 1;
    if (p < end && *p == 'n') {
        v->null = 1;
        return match_literal(p, end, "null");
    }
    v->null = 0;
    int kind = r->kinds[f], is_integer;
    if (kind == KIND_TEXT) {
        if (p >= end || *p != '"' || !(p = parse_string(r, p, end, &v->text, &v->text_len))) return NULL;
        if (r->max_chars[f] && v->text_len > (size_t)r->max_chars[f] && characters(v->text, v->text_len) > (size_t)r->max_chars[f]) return NULL;
        return p;
    }
    const unsigned char *number_end = scan_number(p, end, &is_integer);
    if (!number_end) return NULL;
    if (kind == KIND_FLOAT8) {
        /* strtod in the C locale reads the JSON number scanned (copied, so it ends there),
           correctly rounded as the server's float8 input is; a value out of range, or a
           number longer than any double needs, is the server's to judge. */
        char number[MAX_NUMBER + 1], *parsed_end;
        size_t len = number_end - p;
        if (len > MAX_NUMBER) return NULL;
        memcpy(number, p, len);
        number[len] = 0;
        errno = 0;
        v->number = strtod_l(number, &parsed_end, r->c_locale);
        if (errno || !isfinite(v->number) || parsed_end != number + len) return NULL;
        return number_end;
    }
    /* Integers: no fraction or exponent, and few enough digits that no overflow is possible. */
    const unsigned char *digits = p + (*p == '-');
    if (!is_integer || number_end - digits > 18) return NULL;
    int64_t n = 0;
    for (const unsigned char *d = digits; d < number_end; d++) n = n * 10 + (*d - '0');
    v->integer = *p == '-' ? -n : n;
    if (kind == KIND_INT4 && (v->integer < INT32_MIN || v->integer > INT32_MAX)) return NULL;
    return number_end;
}

/* Reads the record on the line into r->values; 0 when the line is passed on. */
static int parse_record(reader *r, const unsigned char *p, const unsigned char *end) {
    for (int f = 0; f < r->nfields; f++) r->values[f].present = 0;
    r->line_new_count = 0;
    r->next_field = 0;
    p = skip_space(p, end);
    if (p >= end || *p != '{') return 0;
    p = skip_space(p + 1, end);
    if (p < end && *p == '}') return skip_space(p + 1, end) == end;
    for (;;) {
        const unsigned char *key;
        size_t key_len;
        if (p >= end || *p != '"' || !(p = parse_string(r, p, end, &key, &key_len))) return 0;
        p = skip_space(p, end);
        if (p >= end || *p != ':') return 0;
        p = skip_space(p + 1, end);
        int f = find_field(r, key, key_len);
        if (f < 0) {
            if (r->line_new_count == MAX_NEW_KEYS_A_LINE) return 0;
            r->line_new_keys[r->line_new_count] = key;
            r->line_new_key_lens[r->line_new_count++] = key_len;
            p = skip_value(r, p, end, 1);
        } else if (r->values[f].present) {
            return 0;
        } else {
            p = parse_field(r, f, p, end);
        }
        if (!p) return 0;
        p = skip_space(p, end);
        if (p < end && *p == ',') {
            p = skip_space(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') return skip_space(p + 1, end) == end;
        return 0;
    }
}

/* Keys of the staging table's unknown fields (schema drift), each followed by a NUL byte. */
static int note_new_keys(reader *r) {
    for (int k = 0; k < r->line_new_count; k++) {
        const unsigned char *key = r->line_new_keys[k];
        size_t len = r->line_new_key_lens[k], at = 0;
        int known = 0;
        while (at < r->new_keys.len && !known) {
            size_t n = strlen((const char *)r->new_keys.data + at);
            known = n == len && memcmp(r->new_keys.data + at, key, len) == 0;
            at += n + 1;
        }
        if (known) continue;
        if (!reserve(&r->new_keys, len + 1)) return 0;
        memcpy(r->new_keys.data + r->new_keys.len, key, len);
        r->new_keys.len += len;
        r->new_keys.data[r->new_keys.len++] = 0;
    }
    return 1;
}

static uint64_t mix(uint64_t h, uint64_t v) {
    h ^= v + UINT64_C(0x9E3779B97F4A7C15) + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= UINT64_C(0xBF58476D1CE4E5B9);
    return h ^ (h >> 29);
}

static uint64_t key_hash(reader *r, int64_t ts) {
    value *session = &r->values[r->session_field], *item = &r->values[r->item_field], *user = &r->values[r->user_field];
    uint64_t h = mix(UINT64_C(0x243F6A8885A308D3), (uint64_t)ts);
    h = mix(h, session->present && !session->null ? (uint64_t)session->integer << 1 : 1);
    h = mix(h, item->present && !item->null ? (uint64_t)item->integer << 1 : 1);
    if (user->present && !user->null) {
        uint64_t fnv = UINT64_C(0xCBF29CE484222325);
        for (size_t i = 0; i < user->text_len; i++) fnv = (fnv ^ user->text[i]) * UINT64_C(0x100000001B3);
        h = mix(h, fnv ^ user->text_len);
    } else {
        h = mix(h, 0);
    }
    return h ? h : 1;
}

/* Adds the hash to the keys staged; 0 when it was there (or memory ran out, -1). */
static int add_seen(reader *r, uint64_t h) {
    if ((r->seen_used + 1) * 2 > r->seen_mask + 1) {
        size_t size = (r->seen_mask + 1) * 2;
        uint64_t *slots = calloc(size, sizeof *slots);
        if (!slots) return -1;
        for (size_t i = 0; i <= r->seen_mask; i++) {
            if (!r->seen[i]) continue;
            size_t j = r->seen[i] & (size - 1);
            while (slots[j]) j = (j + 1) & (size - 1);
            slots[j] = r->seen[i];
        }
        free(r->seen);
        r->seen = slots;
        r->seen_mask = size - 1;
    }
    size_t j = h & r->seen_mask;
    while (r->seen[j]) {
        if (r->seen[j] == h) return 0;
        j = (j + 1) & r->seen_mask;
    }
    r->seen[j] = h;
    r->seen_used++;
    return 1;
}

static int write_row(reader *r, const char *source_key, size_t key_len, int64_t line_no) {
    size_t size = 2 + 4 * (r->nfields + 3) + 8 + 8 + key_len + 4;
    for (int f = 0; f < r->nfields; f++) size += 8 + r->values[f].text_len * (r->kinds[f] == KIND_TEXT);
    if (!reserve(&r->rows, size)) return 0;
    buffer *b = &r->rows;
    put16(b, (uint16_t)(r->nfields + 3));
    for (int f = 0; f < r->nfields; f++) {
        value *v = &r->values[f];
        if (!v->present || v->null) {
            put32(b, UINT32_MAX);
            continue;
        }
        switch (r->kinds[f]) {
        case KIND_TEXT: put_bytes(b, v->text, v->text_len); break;
        case KIND_INT4: put32(b, 4); put32(b, (uint32_t)(int32_t)v->integer); break;
        case KIND_FLOAT8: {
            uint64_t bits;
            memcpy(&bits, &v->number, 8);
            put32(b, 8);
            put64(b, bits);
            break;
        }
        case KIND_EPOCH_MS: put32(b, 8); put64(b, (uint64_t)((v->integer - PG_EPOCH_MS) * 1000)); break;
        }
    }
    put32(b, 8);
    put64(b, (uint64_t)r->batch_hour_us);
    put_bytes(b, source_key, key_len);
    put32(b, 4);
    put32(b, (uint32_t)line_no);
    return 1;
}

static int pass_on(reader *r, int32_t line, int defect) {
    if (r->passed_len == r->passed_cap) {
        size_t cap = r->passed_cap ? r->passed_cap * 2 : 1024;
        int32_t *passed = realloc(r->passed, cap * sizeof *passed);
        if (!passed) return 0;
        r->passed = passed;
        r->passed_cap = cap;
    }
    r->passed[r->passed_len++] = line * 2 + defect;
    return 1;
}

void events_free(reader *r);

/*
 * The reader of one hour: the fields' keys, kinds and lengths in staging_events' column
 * order; which fields are the ts and the repeat key; the day and the hour (epoch
 * milliseconds, end excluded); the batch hour (microseconds from 2000-01-01).
 */
reader *events_new(int nfields, const char **keys, const int *kinds, const int *max_chars, int ts_field,
                   int session_field, int item_field, int user_field, int64_t day_start, int64_t day_end,
                   int64_t hour_start, int64_t hour_end, int64_t batch_hour_us) {
    if (nfields > MAX_FIELDS) return NULL;
    reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->nfields = nfields;
    for (int f = 0; f < nfields; f++) {
        r->keys[f] = strdup(keys[f]);
        if (!r->keys[f]) {
            events_free(r);
            return NULL;
        }
        r->key_lens[f] = strlen(keys[f]);
        r->kinds[f] = kinds[f];
        r->max_chars[f] = max_chars[f];
    }
    r->ts_field = ts_field;
    r->session_field = session_field;
    r->item_field = item_field;
    r->user_field = user_field;
    r->day_start = day_start;
    r->day_end = day_end;
    r->hour_start = hour_start;
    r->hour_end = hour_end;
    r->batch_hour_us = batch_hour_us;
    r->seen_mask = (1 << 16) - 1;
    r->seen = calloc(r->seen_mask + 1, sizeof *r->seen);
    r->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (!r->seen || !r->c_locale) {
        events_free(r);
        return NULL;
    }
    return r;
}

/*
 * Reads a block of whole lines (each ending in a newline) of the object source_key, its
 * first line being line first_line of the object. Returns the rows staged, or -1 when
 * memory ran out; the rows are then in events_rows and the lines passed on in
 * events_passed until the next block.
 */
int64_t events_read(reader *r, const unsigned char *block, size_t len, const char *source_key, size_t key_len,
                    int64_t first_line) {
    const unsigned char *p = block, *end = block + len;
    int64_t staged = 0;
    int32_t line = 0;
    r->rows.len = 0;
    r->passed_len = 0;
    for (; p < end; p++, line++) {
        const unsigned char *line_end = memchr(p, '\n', end - p);
        if (!line_end) line_end = end;
        const unsigned char *start = p;
        p = line_end;
        if (is_blank(start, line_end)) continue;
        if (!is_text(start, line_end)) {
            if (!pass_on(r, line, 1)) return -1;
            continue;
        }
        r->scratch.len = 0;
        if (!reserve(&r->scratch, line_end - start)) return -1;
        if (!parse_record(r, start, line_end)) {
            if (!pass_on(r, line, 0)) return -1;
            continue;
        }
        if (!note_new_keys(r)) return -1;
        value *ts = &r->values[r->ts_field];
        if (ts->present && !ts->null && ts->integer >= r->day_start && ts->integer < r->day_end) {
            if (ts->integer < r->hour_start || ts->integer >= r->hour_end) {
                r->other_hours++;
                continue;
            }
            int added = add_seen(r, key_hash(r, ts->integer));
            if (added < 0) return -1;
            if (added) {
                if (!write_row(r, source_key, key_len, first_line + line)) return -1;
                staged++;
                continue;
            }
        }
        /* No ts, a ts outside the day, or a key staged before: the server places it. */
        if (!pass_on(r, line, 0)) return -1;
    }
    return staged;
}

const unsigned char *events_rows(reader *r, size_t *len) {
    *len = r->rows.len;
    return r->rows.data;
}

/* The lines of the last block passed on: each its number in the block times 2, plus 1 when
   it is not UTF-8 text or holds a NUL byte. */
const int32_t *events_passed(reader *r, size_t *count) {
    *count = r->passed_len;
    return r->passed;
}

int64_t events_other_hours(reader *r) { return r->other_hours; }

const unsigned char *events_new_keys(reader *r, size_t *len) {
    *len = r->new_keys.len;
    return r->new_keys.data;
}

void events_free(reader *r) {
    if (!r) return;
    for (int f = 0; f < r->nfields; f++) free(r->keys[f]);
    free(r->seen);
    free(r->rows.data);
    free(r->scratch.data);
    free(r->new_keys.data);
    free(r->passed);
    if (r->c_locale) freelocale(r->c_locale);
    free(r);
}
